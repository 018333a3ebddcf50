import ArgumentParser

/// How the recorder commits: the options of `moodwire-recorder` and `up`, declared once.
public struct RecorderArguments: ParsableArguments, Sendable {
    @Option(help: "Most frames per transaction (env MOODWIRE_MAX_BATCH).")
    public var maxBatch: Int = environment("MAX_BATCH", Int.init) ?? 1024

    @Option(
        help: "How long a transaction waits for more results, in milliseconds; results already queued always join (env MOODWIRE_MAX_DELAY_MS).")
    public var maxDelayMs: Int = environment("MAX_DELAY_MS", Int.init) ?? 0

    public init() {}

    public func validate() throws {
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1") }
        guard maxDelayMs >= 0 else { throw ValidationError("--max-delay-ms must be 0 or more") }
    }

    /// These options as command-line arguments, for a recorder process started by `up`.
    public var arguments: [String] {
        ["--max-batch", "\(maxBatch)", "--max-delay-ms", "\(maxDelayMs)"]
    }
}
