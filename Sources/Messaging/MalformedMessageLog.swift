import Logging
import Metrics
import PipelineProtocol

/// Counts refused messages per kind of fault and logs each kind at most once per `interval`, so a
/// misbehaving peer cannot flood the log. One per service thread.
public final class MalformedMessageLog {
    public private(set) var counts: [String: Int] = [:]
    private var lastLogged: [String: ContinuousClock.Instant] = [:]
    private let logger: Logger
    private let interval: Duration

    public init(logger: Logger, interval: Duration = .seconds(10)) {
        self.logger = logger
        self.interval = interval
    }

    public var total: Int { counts.values.reduce(0, +) }

    /// Counts `fault` in a message received on `socket` and logs it unless this kind was logged
    /// within the interval.
    public func record(_ fault: MalformedMessage, socket: String) {
        counts[fault.kind, default: 0] += 1
        Counter(label: "moodwire.messages.malformed", dimensions: [("socket", socket), ("kind", "\(fault.kind)")]).increment()
        let now = ContinuousClock.now
        if let last = lastLogged[fault.kind], now - last < interval { return }
        lastLogged[fault.kind] = now
        logger.warning(
            "dropped a malformed message",
            metadata: [
                "socket": "\(socket)", "fault": "\(fault)", "kind": "\(fault.kind)",
                "count": "\(counts[fault.kind, default: 0])"
            ])
    }
}
