/// Durations in the units the C APIs, the wire and the reports use. `Duration.components` splits a
/// value into seconds and attoseconds; forgetting the seconds part is an easy mistake, so the
/// conversions live here once.
extension Duration {
    /// The duration in seconds.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }

    /// A timeout for a blocking C call (zmq_poll): whole milliseconds, rounded up so that a short
    /// positive wait still waits, 0 for none, clamped to Int32.
    public var timeoutMilliseconds: Int32 {
        guard self > .zero else { return 0 }
        let (seconds, attoseconds) = components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }

    /// Whole microseconds, clamped to UInt32: the stage timings of the wire header.
    public var wireMicroseconds: UInt32 {
        guard self > .zero else { return 0 }
        return UInt32(clamping: components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000)
    }
}
