import Synchronization

/// The first error of work that runs on other threads (a broker's proxy devices, a benchmark's
/// stack), kept for the thread that waits on them.
public final class FirstFailure<Failure: Error>: Sendable {
    private let stored = Mutex<Failure?>(nil)

    public init() {}

    /// Keeps `error` unless an earlier one is kept already.
    public func record(_ error: Failure) {
        stored.withLock { stored in
            if stored == nil { stored = error }
        }
    }

    public var error: Failure? { stored.withLock { $0 } }
}
