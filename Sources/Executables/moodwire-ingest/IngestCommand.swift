import ArgumentParser
import CommandLineSupport
import Foundation
import Ingest
import Logging
import Messaging
import Processes
import Synchronization

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire-ingest",
        abstract: "Reads frames from image files, folders, video files, streams and cameras and sends them into the pipeline.",
        discussion: """
            Each file frame is kept until the recorder acknowledges it and is re-sent after --ack-timeout, \
            so a file source loses no frame when a worker dies. Live sources (rtsp://, rtsps://, http(s)://, \
            v4l2:/dev/videoN) are reconnected with back-off whenever they fail or stall, and their frames \
            are dropped (and counted) rather than queued when the pipeline is behind. Exits when every \
            file frame is recorded: status 0, or 65 if a source could not be read to its end; with a \
            live source it runs until stopped.
            """
    )

    @OptionGroup var service: ServiceOptions

    @Option(
        name: .customLong("source"),
        help: ArgumentHelp(
            "[NAME=]PATH_OR_URL: an image file, a folder or glob of images, a video file, an rtsp://, rtsps://, http(s):// stream or a v4l2:/dev/videoN camera; repeatable (env MOODWIRE_SOURCES, comma-separated).",
            valueName: "source"))
    var sources: [String] = environment("SOURCES").map { $0.split(separator: ",").map { String($0) } } ?? []

    @Flag(help: "Play each source again and again (env MOODWIRE_LOOP=1).")
    var loop: Bool = environment("LOOP", Bool.init(yesOrNo:)) ?? false

    @Option(help: "Frames per second per source; 0 sends as fast as the pipeline takes them (env MOODWIRE_FPS).")
    var fps: Double = environment("FPS", Double.init) ?? 0

    @Option(help: "Frames per source sent and not yet recorded (env MOODWIRE_WINDOW).")
    var window: Int = environment("WINDOW", Int.init) ?? 32

    @Option(help: "Seconds before an unacknowledged frame is sent again (env MOODWIRE_ACK_TIMEOUT).")
    var ackTimeout: Double = environment("ACK_TIMEOUT", Double.init) ?? 15

    @Option(help: "Seconds a live frame may wait for the pipeline before it is dropped (env MOODWIRE_MAX_LAG).")
    var maxLag: Double = environment("MAX_LAG", Double.init) ?? 2

    @Option(help: "Frames per live source sent and not yet recorded (env MOODWIRE_LIVE_WINDOW).")
    var liveWindow: Int = environment("LIVE_WINDOW", Int.init) ?? 4

    @Option(help: "Seconds without a frame after which a live source is restarted (env MOODWIRE_STALL_TIMEOUT).")
    var stallTimeout: Double = environment("STALL_TIMEOUT", Double.init) ?? 10

    @Option(help: "Longest wait in seconds between reconnection attempts of a live source (env MOODWIRE_MAX_BACKOFF).")
    var maxBackoff: Double = environment("MAX_BACKOFF", Double.init) ?? 30

    func validate() throws {
        guard !sources.isEmpty else { throw ValidationError("give at least one --source") }
        guard fps >= 0 else { throw ValidationError("--fps must be 0 or more") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard ackTimeout > 0 else { throw ValidationError("--ack-timeout must be positive") }
        guard maxLag > 0 else { throw ValidationError("--max-lag must be positive") }
        guard liveWindow >= 1 else { throw ValidationError("--live-window must be at least 1") }
        guard stallTimeout > 0 else { throw ValidationError("--stall-timeout must be positive") }
        guard maxBackoff >= 0.5 else { throw ValidationError("--max-backoff must be at least 0.5") }
    }

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.ingest")
        let logger = observability.logger
        let frameSources: [any FrameSource]
        do {
            let specs = SourceSpec.uniqueNames(try sources.map { try SourceSpec.parse($0) })
            let health = observability.health
            let live = LiveStreamOptions(stallTimeout: .seconds(stallTimeout), maximumBackoff: .seconds(maxBackoff)) { source, state in
                // A closed source is the ingest stopping, which the "service" component reports.
                health.update(
                    "source." + source, healthy: state == .streaming || state == .closed, state: state.name,
                    detail: state == .streaming ? nil : state.description)
            }
            frameSources = try specs.map { try $0.open(SourceOptions(loop: loop, live: live), logger: logger) }
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        let configuration = IngestServiceConfiguration(
            endpoints: service.endpoints, window: window, ackTimeout: .milliseconds(Int(ackTimeout * 1000)),
            framesPerSecond: fps > 0 ? fps : nil, liveWindow: liveWindow, maxLag: .seconds(maxLag))
        let failed = Atomic<Bool>(false)
        let ingest = IngestService.make(configuration, sources: Handover(frameSources), logger: logger) { outcomes in
            for outcome in outcomes {
                logger.info(
                    "source finished",
                    metadata: [
                        "source": "\(outcome.source)", "frames": "\(outcome.framesRead)", "recorded": "\(outcome.framesAcknowledged)",
                        "resent": "\(outcome.resends)", "unacknowledged": "\(outcome.unacknowledged)",
                        "dropped": "\(outcome.framesDropped)", "lost": "\(outcome.framesLost)"
                    ])
                if let failure = outcome.failure {
                    logger.error("source failed", metadata: ["source": "\(outcome.source)", "error": "\(failure)"])
                    failed.store(true, ordering: .relaxed)
                }
            }
        }
        try await ServiceRunner.run([ingest], observability: observability)
        if failed.load(ordering: .relaxed) { throw ExitCode(SysexitsStatus.dataError.rawValue) }
    }
}
