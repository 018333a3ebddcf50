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
            Each file frame is kept until the recorder acknowledges it and is re-sent after --ack-timeout \
            (or longer, when acknowledgements take longer), so a file source loses no frame when a worker dies. Live sources (rtsp://, rtsps://, http(s)://, \
            v4l2:/dev/videoN) are reconnected with back-off whenever they fail or stall, and their frames \
            are dropped (and counted) rather than queued when the pipeline is behind. Exits when every \
            file frame is recorded: status 0, or 65 if a source could not be read to its end; with a \
            live source it runs until stopped.
            """
    )

    @OptionGroup var service: ServiceOptions

    @OptionGroup(title: "Sources") var ingest: SourceArguments

    func validate() throws {
        guard !ingest.sources.isEmpty else { throw ValidationError("give at least one --source") }
    }

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.ingest")
        let logger = observability.logger
        let frameSources: [any FrameSource]
        do {
            let specs = SourceSpec.uniqueNames(try ingest.sources.map { try SourceSpec.parse($0) })
            let health = observability.health
            let live = LiveStreamOptions(stallTimeout: .seconds(ingest.stallTimeout), maximumBackoff: .seconds(ingest.maxBackoff)) { source, state in
                // A closed source is the ingest stopping, which the "service" component reports.
                health.update(
                    "source." + source, healthy: state == .streaming || state == .closed, state: state.name,
                    detail: state == .streaming ? nil : state.description)
            }
            frameSources = try specs.map { try $0.open(SourceOptions(loop: ingest.loop, live: live), logger: logger) }
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        let configuration = IngestServiceConfiguration(
            endpoints: service.endpoints, window: ingest.window, ackTimeout: .milliseconds(Int(ingest.ackTimeout * 1000)),
            framesPerSecond: ingest.fps > 0 ? ingest.fps : nil, liveWindow: ingest.liveWindow, maxLag: .seconds(ingest.maxLag))
        let failed = Atomic<Bool>(false)
        let stage = IngestService.make(configuration, sources: Handover(frameSources), logger: logger) { outcomes in
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
        try await ServiceRunner.run([stage], observability: observability)
        if failed.load(ordering: .relaxed) { throw ExitCode(SysexitsStatus.dataError.rawValue) }
    }
}
