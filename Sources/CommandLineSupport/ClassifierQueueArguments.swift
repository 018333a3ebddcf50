import ArgumentParser

/// How a classifier process batches faces and re-sends results: the options of
/// `moodwire-classifier` and `up`, declared once.
public struct ClassifierQueueArguments: ParsableArguments, Sendable {
    @Option(help: "How long a batch waits for more faces, in milliseconds (env MOODWIRE_MAX_WAIT_MS).")
    public var maxWaitMs: Int = environment("MAX_WAIT_MS", Int.init) ?? 2

    @Option(
        help:
            "Seconds before a result the recorder has not acknowledged is sent again, at least: longer when acknowledgements take longer (env MOODWIRE_RESEND_AFTER)."
    )
    public var resendAfter: Double = environment("RESEND_AFTER", Double.init) ?? 3

    public init() {}

    public func validate() throws {
        guard maxWaitMs >= 0 else { throw ValidationError("--max-wait-ms must be 0 or more") }
        guard resendAfter > 0 else { throw ValidationError("--resend-after must be positive") }
    }

    /// These options as command-line arguments, for a classifier process started by `up`.
    public var arguments: [String] {
        ["--max-wait-ms", "\(maxWaitMs)", "--resend-after", "\(resendAfter)"]
    }
}
