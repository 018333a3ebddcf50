import Timing

/// Where a live source is in its life: what `/healthz` shows and the ingest logs on each change.
public enum LiveSourceState: Sendable, Equatable, CustomStringConvertible {
    /// ffmpeg is started and no frame has come yet (attempt counts from 1 since the last frame).
    case connecting(attempt: Int)
    /// Frames are arriving.
    case streaming
    /// The stream failed; the next attempt starts after `retryIn`.
    case backingOff(lastError: String, retryIn: Duration)
    /// The source was closed (the ingest is stopping).
    case closed

    /// A short name for metrics and health: connecting, streaming, backing off, closed.
    public var name: String {
        switch self {
        case .connecting: "connecting"
        case .streaming: "streaming"
        case .backingOff: "backing off"
        case .closed: "closed"
        }
    }

    public var description: String {
        switch self {
        case .connecting(let attempt): "connecting (attempt \(attempt))"
        case .streaming: "streaming"
        case let .backingOff(lastError, retryIn): "backing off \(retryIn.inSeconds.formatted1) s after: \(lastError)"
        case .closed: "closed"
        }
    }
}

private extension Double {
    var formatted1: String {
        let tenths = (self * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }
}
