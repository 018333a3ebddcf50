import Foundation
import ServiceLifecycle
import Synchronization

/// Set once to ask a service loop to stop; the loop checks it between bounded waits.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isRequested: Bool { flag.load(ordering: .acquiring) }

    public func request() { flag.store(true, ordering: .releasing) }
}

/// A long-running loop of blocking C calls (ZeroMQ, BLAS) as a ServiceLifecycle `Service`: the
/// loop runs on its own thread, not on the cooperative pool, and graceful shutdown (SIGTERM, SIGINT)
/// or cancellation sets its `StopSignal`; `interrupt` also runs then, for loops that block in a call
/// that cannot poll the signal (e.g. `zmq_proxy`). The service ends when the loop returns.
public struct BlockingService: Service {
    public let name: String
    private let body: @Sendable (StopSignal) throws -> Void
    private let interrupt: @Sendable () -> Void

    public init(name: String, interrupt: @escaping @Sendable () -> Void = {}, body: @escaping @Sendable (StopSignal) throws -> Void) {
        self.name = name
        self.body = body
        self.interrupt = interrupt
    }

    public func run() async throws {
        let stop = StopSignal()
        let interrupt = interrupt
        let body = body
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let thread = Thread {
                        do {
                            try body(stop)
                            continuation.resume()
                        } catch {
                            continuation.resume(throwing: error)
                        }
                    }
                    thread.name = name
                    thread.start()
                }
            } onGracefulShutdown: {
                stop.request()
                interrupt()
            }
        } onCancel: {
            stop.request()
            interrupt()
        }
    }
}
