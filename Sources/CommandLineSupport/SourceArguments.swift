import ArgumentParser

/// What the ingest reads and how it plays it: the options of `moodwire-ingest` and `up`,
/// declared once.
public struct SourceArguments: ParsableArguments, Sendable {
    @Option(
        name: .customLong("source"),
        help: ArgumentHelp(
            "[NAME=]PATH_OR_URL: an image, a folder or glob of images, a video file, an rtsp://, rtsps://, http(s):// stream or a v4l2:/dev/videoN camera; repeatable (env MOODWIRE_SOURCES, comma-separated).",
            valueName: "source"))
    public var sources: [String] = environment("SOURCES").map { $0.split(separator: ",").map { String($0) } } ?? []

    @Flag(help: "Play each source again and again (env MOODWIRE_LOOP=1).")
    public var loop: Bool = environment("LOOP", Bool.init(yesOrNo:)) ?? false

    @Option(help: "Frames per second per source; 0 sends as fast as the pipeline takes them (env MOODWIRE_FPS).")
    public var fps: Double = environment("FPS", Double.init) ?? 0

    @Option(help: "Frames per file source sent and not yet recorded (env MOODWIRE_WINDOW).")
    public var window: Int = environment("WINDOW", Int.init) ?? 32

    @Option(
        help:
            "Seconds before an unacknowledged file frame is sent again (a live frame counted lost), at least: longer when acknowledgements take longer (env MOODWIRE_ACK_TIMEOUT)."
    )
    public var ackTimeout: Double = environment("ACK_TIMEOUT", Double.init) ?? 15

    @Option(help: "Seconds a live frame may wait for the pipeline before it is dropped (env MOODWIRE_MAX_LAG).")
    public var maxLag: Double = environment("MAX_LAG", Double.init) ?? 2

    @Option(help: "Frames per live source sent and not yet recorded (env MOODWIRE_LIVE_WINDOW).")
    public var liveWindow: Int = environment("LIVE_WINDOW", Int.init) ?? 4

    @Option(help: "Seconds without a frame after which a live source is restarted (env MOODWIRE_STALL_TIMEOUT).")
    public var stallTimeout: Double = environment("STALL_TIMEOUT", Double.init) ?? 10

    @Option(help: "Longest wait in seconds between reconnection attempts of a live source (env MOODWIRE_MAX_BACKOFF).")
    public var maxBackoff: Double = environment("MAX_BACKOFF", Double.init) ?? 30

    public init() {}

    public func validate() throws {
        guard fps >= 0 else { throw ValidationError("--fps must be 0 or more") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard ackTimeout > 0 else { throw ValidationError("--ack-timeout must be positive") }
        guard maxLag > 0 else { throw ValidationError("--max-lag must be positive") }
        guard liveWindow >= 1 else { throw ValidationError("--live-window must be at least 1") }
        guard stallTimeout > 0 else { throw ValidationError("--stall-timeout must be positive") }
        guard maxBackoff >= 0.5 else { throw ValidationError("--max-backoff must be at least 0.5") }
    }

    /// These options as command-line arguments, for an ingest process started by `up`.
    public var arguments: [String] {
        sources.flatMap { ["--source", $0] } + (loop ? ["--loop"] : [])
            + [
                "--fps", "\(fps)", "--window", "\(window)", "--ack-timeout", "\(ackTimeout)", "--max-lag", "\(maxLag)",
                "--live-window", "\(liveWindow)", "--stall-timeout", "\(stallTimeout)", "--max-backoff", "\(maxBackoff)"
            ]
    }
}
