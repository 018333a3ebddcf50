import PipelineProtocol

/// Results a classifier has sent and the recorder has not acknowledged yet, kept for re-sending:
/// a recorder that dies takes the results in its socket queue with it, and a result that is
/// never committed would be a hole in the history. Keyed by frame, as the recorder's idempotent
/// insert is, so a result sent twice is stored once.
struct UnacknowledgedResults {
    struct FrameKey: Hashable {
        var source: String
        var seq: UInt64
    }

    private var entries: [FrameKey: (parts: [[UInt8]], sentAt: ContinuousClock.Instant)] = [:]

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    mutating func sent(_ result: ResultsMessage, parts: [[UInt8]], at instant: ContinuousClock.Instant) {
        entries[FrameKey(source: result.header.source, seq: result.header.seq)] = (parts, instant)
    }

    /// Forgets the frame's result; true when it was waiting.
    mutating func acknowledged(_ header: FrameHeader) -> Bool {
        entries.removeValue(forKey: FrameKey(source: header.source, seq: header.seq)) != nil
    }

    /// Results sent at least `age` before `now`, oldest first.
    func due(olderThan age: Duration, at now: ContinuousClock.Instant) -> [(key: FrameKey, parts: [[UInt8]])] {
        entries.filter { now - $0.value.sentAt >= age }
            .sorted { $0.value.sentAt < $1.value.sentAt }
            .map { (key: $0.key, parts: $0.value.parts) }
    }

    mutating func resent(_ key: FrameKey, at instant: ContinuousClock.Instant) {
        entries[key]?.sentAt = instant
    }
}
