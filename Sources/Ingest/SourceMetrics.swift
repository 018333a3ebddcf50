import Metrics

/// One source's counters, as `/metrics` shows them: `moodwire.ingest.frames` by outcome, frames
/// in flight, and the time from capture to recorded.
struct SourceMetrics {
    /// Frames read from the source.
    let read: Counter
    /// Frames sent into the pipeline (re-sends not included).
    let sent: Counter
    /// Live frames dropped: the pipeline was behind (waiting too long, or its queue full).
    let dropped: Counter
    /// Frames the recorder acknowledged.
    let recorded: Counter
    /// File frames sent again after `ackTimeout`: lost in flight in a worker or queue.
    let resent: Counter
    /// Live frames never acknowledged within `ackTimeout`: lost in flight (not re-sent).
    let lost: Counter
    let inFlight: Gauge
    /// Capture to acknowledgement, the whole pipeline's latency.
    let latency: Metrics.Timer

    init(source: String) {
        func frames(_ outcome: String) -> Counter {
            Counter(label: "moodwire.ingest.frames", dimensions: [("source", source), ("outcome", outcome)])
        }
        read = frames("read")
        sent = frames("sent")
        dropped = frames("dropped")
        recorded = frames("recorded")
        resent = frames("resent")
        lost = frames("lost")
        inFlight = Gauge(label: "moodwire.ingest.in_flight", dimensions: [("source", source)])
        latency = Metrics.Timer(label: "moodwire.ingest.latency", dimensions: [("source", source)])
    }
}
