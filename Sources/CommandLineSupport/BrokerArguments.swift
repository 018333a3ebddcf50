import ArgumentParser

/// How much the broker queues: the option of `moodwire-broker` and `up`, declared once.
public struct BrokerArguments: ParsableArguments, Sendable {
    @Option(help: "Messages queued per connected peer and direction (env MOODWIRE_HIGH_WATER_MARK).")
    public var highWaterMark: Int32 = environment("HIGH_WATER_MARK", Int32.init) ?? 8

    public init() {}

    public func validate() throws {
        guard highWaterMark >= 1 else { throw ValidationError("--high-water-mark must be at least 1") }
    }

    /// This option as command-line arguments, for a broker process started by `up`.
    public var arguments: [String] { ["--high-water-mark", "\(highWaterMark)"] }
}
