import ArgumentParser
import CommandLineSupport
import Foundation
import Ingest
import Logging
import Observability
import StageOptions
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

    @Flag(help: "Also play the sample video and photo that set-up installed (Megamind.avi, messi5.jpg).")
    var samples = false

    @Option(help: "Detector processes (default: one per core, at most 16).")
    var detectors: Int?

    /// `--detectors`, else one per core the process may use.
    var detectorCount: Int { detectors ?? min(16, ProcessInfo.processInfo.activeProcessorCount) }

    @Option(help: "Classifier processes.")
    var classifiers = 1

    @Option(help: "First of eight consecutive loopback ports the stages use.")
    var basePort = 5550

    @Flag(help: "Keep the stack running after the file sources are recorded.")
    var keepRunning = false

    @Flag(help: "Run the stack without the web service.")
    var noWeb = false

    @Option(
        help:
            "Serve /metrics and /healthz of every stage from this loopback port on, one port per process in start order: broker, recorder, detectors, classifiers, web, ingest."
    )
    var metricsPort: Int?

    @Option(help: "Log level of the stages: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .warning

    @OptionGroup var stages: StageArguments

    func validate() throws {
        guard (1...16).contains(detectorCount), (1...16).contains(classifiers) else {
            throw ValidationError("--detectors and --classifiers must be between 1 and 16")
        }
        guard (1024...65520).contains(basePort) else { throw ValidationError("--base-port must be between 1024 and 65520") }
        if let metricsPort, !(1024...65000).contains(metricsPort) { throw ValidationError("--metrics-port must be between 1024 and 65000") }
    }

    func run() async throws {
        var logger = Logger(label: "moodwire.up")
        logger.logLevel = logLevel
        var stages = stages
        if samples {
            let store = ModelStore.sampleStore(environment: ProcessInfo.processInfo.environment)
            for file in ["Megamind.avi", "messi5.jpg"] {
                do {
                    stages.ingest.sources.append(try store.locate(file))
                } catch {
                    throw CommandError("\(error)")
                }
            }
        }
        let web = stages.web
        if !noWeb, let problem = ListenCheck.problem(host: web.webHost, port: web.webPort, flag: "--web-port") {
            throw CommandError(problem + " (or run without the web service: --no-web)")
        }
        // Every source is checked here, so a bad path is reported before anything starts.
        var expectedFrames: Int? = 0
        do {
            for spec in SourceSpec.uniqueNames(try stages.ingest.sources.map { try SourceSpec.parse($0) }) {
                let source = try spec.open(logger: logger)
                expectedFrames = expectedFrames.flatMap { total in source.expectedFrameCount.map { total + $0 } }
                source.close()
            }
        } catch {
            throw CommandError("\(error)")
        }
        let loop = stages.ingest.loop
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let configuration = StackConfiguration(
            stages: stages, executableDirectory: executable.deletingLastPathComponent().path, detectors: detectorCount,
            classifiers: classifiers, runsWeb: !noWeb, basePort: basePort, keepRunning: keepRunning || loop, logLevel: logLevel,
            showProgress: isatty(STDERR_FILENO) == 1, expectedFrames: loop || stages.ingest.sources.isEmpty ? nil : expectedFrames,
            metricsBasePort: metricsPort)
        let supervisor = try StackSupervisor(configuration: configuration, logger: logger)
        if !noWeb {
            FileHandle.standardError.write(Data("moodwire up: web page at \(web.url)\n".utf8))
        }
        if stages.ingest.sources.isEmpty {
            FileHandle.standardError.write(Data("moodwire up: no sources; the stack runs until Ctrl-C\n".utf8))
        }
        try await ServiceRunner.run([supervisor.service()], logger: logger, maximumShutdown: .seconds(60))
        print(StackReport(summary: supervisor.summary, databasePath: stages.database.db).text())
        if supervisor.summary.sourceFailed { throw ExitCode(1) }
    }
}
