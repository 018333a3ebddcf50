import ArgumentParser
import CommandLineSupport
import Foundation
import Ingest
import Logging
import Observability
import Supervisor
import Web

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the whole pipeline here: broker, ingest, detectors, classifiers, recorder and web as separate processes.",
        discussion: """
            Every frame of every source is recorded in the SQLite file (--db) with its faces and their \
            emotion probabilities. The web page (upload, live view, history) is at \
            http://127.0.0.1:8080 (--web-port, --no-web). When all sources are files, the stack stops once every frame is \
            recorded and prints a summary (with a live source it runs until stopped); Ctrl-C stops it cleanly at any time (what was received is \
            committed). A stage that dies is restarted. A frame is identified by its source name and \
            number, so playing the same file again into the same database records nothing new: name \
            the source differently (NAME=PATH) to record it again.
            """
    )

    @Option(
        name: .customLong("source"),
        help: ArgumentHelp(
            "[NAME=]PATH_OR_URL: an image, a folder or glob of images, a video file, an rtsp://, rtsps://, http(s):// stream or a v4l2:/dev/videoN camera (repeatable).",
            valueName: "source"))
    var sources: [String] = []

    @Flag(help: "Also play the sample video and photo that set-up installed (Megamind.avi, messi5.jpg).")
    var samples = false

    @Option(help: "SQLite file the results go to.")
    var db = "moodwire.db"

    @Option(help: "Detector processes.")
    var detectors = 1

    @Option(help: "Classifier processes.")
    var classifiers = 1

    @Option(help: "First of eight consecutive loopback ports the stages use.")
    var basePort = 5550

    @Option(help: "Pace every source at this many frames per second (default: as fast as the pipeline goes).")
    var fps: Double?

    @Flag(help: "Play the sources again and again (until Ctrl-C).")
    var loop = false

    @Flag(help: "Keep the stack running after the file sources are recorded.")
    var keepRunning = false

    @Option(help: "Port of the web page and API on loopback (http://127.0.0.1:PORT/).")
    var webPort = 8080

    @Flag(help: "Run the stack without the web service.")
    var noWeb = false

    @Option(
        help:
            "Serve /metrics and /healthz of every stage from this loopback port on, one port per process in start order: broker, recorder, detectors, classifiers, web, ingest."
    )
    var metricsPort: Int?

    @Option(help: "Log level of the stages: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        guard (1...16).contains(detectors), (1...16).contains(classifiers) else {
            throw ValidationError("--detectors and --classifiers must be between 1 and 16")
        }
        guard (1024...65520).contains(basePort) else { throw ValidationError("--base-port must be between 1024 and 65520") }
        guard (1...65535).contains(webPort) else { throw ValidationError("--web-port must be between 1 and 65535") }
        if let fps, fps <= 0 { throw ValidationError("--fps must be positive") }
        if let metricsPort, !(1024...65000).contains(metricsPort) { throw ValidationError("--metrics-port must be between 1024 and 65000") }
    }

    func run() async throws {
        var logger = Logger(label: "moodwire.up")
        logger.logLevel = logLevel
        var allSources = sources
        if samples {
            let store = ModelStore.sampleStore(environment: ProcessInfo.processInfo.environment)
            for file in ["Megamind.avi", "messi5.jpg"] {
                do {
                    allSources.append(try store.locate(file))
                } catch {
                    throw CommandError("\(error)")
                }
            }
        }
        if !noWeb, let problem = ListenCheck.problem(host: "127.0.0.1", port: webPort, flag: "--web-port") {
            throw CommandError(problem + " (or run without the web service: --no-web)")
        }
        // Every source is checked here, so a bad path is reported before anything starts.
        var expectedFrames: Int? = 0
        do {
            for spec in SourceSpec.uniqueNames(try allSources.map { try SourceSpec.parse($0) }) {
                let source = try spec.open(logger: logger)
                expectedFrames = expectedFrames.flatMap { total in source.expectedFrameCount.map { total + $0 } }
                source.close()
            }
        } catch {
            throw CommandError("\(error)")
        }
        var ingestArguments: [String] = []
        if let fps { ingestArguments += ["--fps", "\(fps)"] }
        if loop { ingestArguments.append("--loop") }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let configuration = StackConfiguration(
            sources: allSources, databasePath: db, executableDirectory: executable.deletingLastPathComponent().path,
            detectors: detectors, classifiers: classifiers, basePort: basePort, keepRunning: keepRunning || loop,
            logLevel: logLevel.rawValue, ingestArguments: ingestArguments, showProgress: isatty(STDERR_FILENO) == 1,
            expectedFrames: loop || allSources.isEmpty ? nil : expectedFrames, webPort: noWeb ? nil : webPort,
            metricsBasePort: metricsPort)
        let supervisor = try StackSupervisor(configuration: configuration, logger: logger)
        if !noWeb {
            FileHandle.standardError.write(Data("moodwire up: web page at http://127.0.0.1:\(webPort)/\n".utf8))
        }
        if allSources.isEmpty {
            FileHandle.standardError.write(Data("moodwire up: no sources; the stack runs until Ctrl-C\n".utf8))
        }
        try await ServiceRunner.run([supervisor.service()], logger: logger, maximumShutdown: .seconds(60))
        print(StackReport(summary: supervisor.summary, databasePath: db).text())
        if supervisor.summary.sourceFailed { throw ExitCode(1) }
    }
}
