import ArgumentParser
import Foundation
import Ingest
import Logging
import Messaging
import ServiceCommand
import Synchronization

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire-ingest",
        abstract: "Reads frames from image files, folders and video files and sends them into the pipeline.",
        discussion: """
        Each frame is kept until the recorder acknowledges it and is re-sent after --ack-timeout, so a \
        file source loses no frame when a worker dies. Exits when every frame is recorded: status 0, \
        or 65 if a source could not be read to its end.
        """
    )

    @OptionGroup var service: ServiceOptions

    @Option(name: .customLong("source"), help: ArgumentHelp(
        "[NAME=]PATH: an image file, a folder or glob of images, or a video file; repeatable (env MOODWIRE_SOURCES, comma-separated).",
        valueName: "source"))
    var sources: [String] = environment("SOURCES").map { $0.split(separator: ",").map { String($0) } } ?? []

    @Flag(help: "Play each source again and again (env MOODWIRE_LOOP=1).")
    var loop: Bool = environment("LOOP") == "1"

    @Option(help: "Frames per second per source; 0 sends as fast as the pipeline takes them (env MOODWIRE_FPS).")
    var fps: Double = environment("FPS").flatMap(Double.init) ?? 0

    @Option(help: "Frames per source sent and not yet recorded (env MOODWIRE_WINDOW).")
    var window: Int = environment("WINDOW").flatMap(Int.init) ?? 32

    @Option(help: "Seconds before an unacknowledged frame is sent again (env MOODWIRE_ACK_TIMEOUT).")
    var ackTimeout: Double = environment("ACK_TIMEOUT").flatMap(Double.init) ?? 15

    func validate() throws {
        guard !sources.isEmpty else { throw ValidationError("give at least one --source") }
        guard fps >= 0 else { throw ValidationError("--fps must be 0 or more") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard ackTimeout > 0 else { throw ValidationError("--ack-timeout must be positive") }
    }

    func run() async throws {
        let logger = service.bootstrapLogging(label: "moodwire.ingest")
        let frameSources: [any FrameSource]
        do {
            let specs = SourceSpec.uniqueNames(try sources.map { try SourceSpec.parse($0) })
            frameSources = try specs.map { try $0.open(SourceOptions(loop: loop), logger: logger) }
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        let configuration = IngestServiceConfiguration(
            endpoints: service.endpoints, window: window, ackTimeout: .milliseconds(Int(ackTimeout * 1000)),
            framesPerSecond: fps > 0 ? fps : nil)
        let failed = Atomic<Bool>(false)
        let ingest = IngestService.make(configuration, sources: Handover(frameSources), logger: logger) { outcomes in
            for outcome in outcomes {
                logger.info("source finished", metadata: [
                    "source": "\(outcome.source)", "frames": "\(outcome.framesRead)", "recorded": "\(outcome.framesAcknowledged)",
                    "resent": "\(outcome.resends)", "unacknowledged": "\(outcome.unacknowledged)",
                ])
                if let failure = outcome.failure {
                    logger.error("source failed", metadata: ["source": "\(outcome.source)", "error": "\(failure)"])
                    failed.store(true, ordering: .relaxed)
                }
            }
        }
        try await ServiceRunner.run([ingest], logger: logger)
        if failed.load(ordering: .relaxed) { throw ExitCode(65) }
    }
}
