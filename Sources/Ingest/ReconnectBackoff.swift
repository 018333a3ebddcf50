/// Capped exponential back-off between attempts to open a live stream: a camera that is being
/// rebooted comes back within seconds, one that is gone for hours is not hammered.
struct ReconnectBackoff: Sendable, Equatable {
    let initial: Duration
    let maximum: Duration
    private(set) var next: Duration

    init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial)
        self.initial = initial
        self.maximum = maximum
        next = initial
    }

    /// The wait before the next attempt; each failure doubles the following one, up to `maximum`.
    mutating func failed() -> Duration {
        let wait = next
        next = min(next * 2, maximum)
        return wait
    }

    /// A frame arrived: the stream works, so the next failure starts the schedule again.
    mutating func succeeded() {
        next = initial
    }
}
