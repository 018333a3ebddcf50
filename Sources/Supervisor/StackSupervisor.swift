import Foundation
import Imaging
import Logging
import Messaging
import PipelineProtocol
import Processes
import StageOptions
import Timing

/// `moodwire up`: starts broker, recorder, detectors, classifiers and the ingest as child
/// processes, restarts a stage that dies (with back-off), shows progress from the recorder's
/// acknowledgements, and stops everything in order: the ingest first (it stops reading and waits
/// for its frames in flight), then the workers, then the recorder (which commits what it holds),
/// then the broker.
public final class StackSupervisor: @unchecked Sendable {
    public let configuration: StackConfiguration
    private let logger: Logger
    private let lock = NSLock()
    private var lastSummary = StackSummary()

    public init(configuration: StackConfiguration, logger: Logger) throws(SupervisorError) {
        self.configuration = configuration
        self.logger = logger
        let stages: [StageArguments.Stage] = [.broker, .recorder, .detector, .classifier, .ingest] + (configuration.runsWeb ? [.web] : [])
        for stage in stages {
            let path = Self.executable(stage, in: configuration.executableDirectory)
            guard FileManager.default.isExecutableFile(atPath: path) else { throw .missingExecutable(path) }
        }
    }

    public var summary: StackSummary { lock.withLock { lastSummary } }

    public func service() -> BlockingService {
        BlockingService(name: "moodwire.supervisor") { stop in
            try self.run(stop: stop)
        }
    }

    /// The PIDs of the running stages by name (tests kill them to see the stack recover).
    public var processIDs: [String: pid_t] { lock.withLock { runningPIDs } }
    private var runningPIDs: [String: pid_t] = [:]

    static func executable(_ stage: StageArguments.Stage, in directory: String) -> String {
        (directory as NSString).appendingPathComponent("moodwire-\(stage.rawValue)")
    }

    /// One supervised stage: how to start it and its current process.
    private final class Stage {
        let name: String
        let executable: String
        let arguments: [String]
        var process: ChildProcess?
        var restartAt: ContinuousClock.Instant?
        var backoff: Duration = .milliseconds(500)
        var startedAt = ContinuousClock.now
        var restarts = 0

        init(name: String, executable: String, arguments: [String]) {
            self.name = name
            self.executable = executable
            self.arguments = arguments
        }
    }

    private func makeStages() -> (services: [Stage], workers: [Stage], ingest: Stage?) {
        let common = ["--base-port", "\(configuration.basePort)", "--log-level", configuration.logLevel.rawValue]
        let directory = configuration.executableDirectory
        func stage(_ name: String, _ kind: StageArguments.Stage) -> Stage {
            Stage(name: name, executable: Self.executable(kind, in: directory), arguments: common + configuration.stages.arguments(of: kind))
        }
        let services = [stage("broker", .broker), stage("recorder", .recorder)]
        var workers: [Stage] = []
        for index in 1...max(1, configuration.detectors) {
            workers.append(stage("detector-\(index)", .detector))
        }
        for index in 1...max(1, configuration.classifiers) {
            workers.append(stage("classifier-\(index)", .classifier))
        }
        if configuration.runsWeb {
            workers.append(stage("web", .web))
        }
        let ingest = configuration.stages.ingest.sources.isEmpty ? nil : stage("ingest", .ingest)
        guard let metricsBasePort = configuration.metricsBasePort else { return (services, workers, ingest) }
        let numbered = (services + workers + [ingest].compactMap { $0 }).enumerated().map { index, stage in
            Stage(name: stage.name, executable: stage.executable, arguments: stage.arguments + ["--metrics-port", "\(metricsBasePort + index)"])
        }
        return (
            Array(numbered[..<services.count]), Array(numbered[services.count..<(services.count + workers.count)]),
            ingest == nil ? nil : numbered.last
        )
    }

    /// The stages' environment: this process's, without a metrics port (each stage gets its own
    /// by flag, or none; one shared port would let only the first stage start).
    private static var childEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MOODWIRE_METRICS_PORT"] = nil
        return environment
    }

    /// Where each stage serves `/metrics` and `/healthz` (with `metricsBasePort`), by stage name.
    public var operationsPorts: [String: Int] {
        guard let base = configuration.metricsBasePort else { return [:] }
        let (services, workers, ingest) = makeStages()
        return Dictionary(uniqueKeysWithValues: (services + workers + [ingest].compactMap { $0 }).enumerated().map { ($1.name, base + $0) })
    }

    private func start(_ stage: Stage) throws {
        do {
            stage.process = try ChildProcess(
                executable: stage.executable, arguments: stage.arguments,
                options: .init(environment: Self.childEnvironment, ownProcessGroup: true))
        } catch {
            throw SupervisorError.cannotStart(executable: stage.executable, reason: error.reason)
        }
        stage.startedAt = .now
        stage.restartAt = nil
        logger.debug("stage started", metadata: ["stage": "\(stage.name)", "pid": "\(stage.process!.pid)"])
    }

    /// Runs the stack on the calling thread until the file sources are recorded (unless
    /// `keepRunning`) or `stop` is requested; then stops every stage in order.
    public func run(stop: StopSignal) throws {
        let clock = ContinuousClock()
        let began = clock.now
        let (services, workers, ingest) = makeStages()
        let all = services + workers + (ingest.map { [$0] } ?? [])
        var summary = StackSummary()
        defer {
            sampleMemory(all, into: &summary)
            shutDown(ingest: ingest, workers: workers, services: services)
            summary.elapsed = clock.now - began
            summary.restarts = Dictionary(uniqueKeysWithValues: all.filter { $0.restarts > 0 }.map { ($0.name, $0.restarts) })
            if configuration.showProgress { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
            lock.withLock { lastSummary = summary }
        }
        let context = ZMQContext()
        let endpoints = PipelineEndpoints(basePort: configuration.basePort)
        let acks = try ZMQSocket(context, .subscribe, highWaterMark: 100_000, lingerMilliseconds: 0)
        try acks.connect(endpoints.connect(.acks))
        // The sources start once a probe frame has come back through every stage, so that their
        // first frames do not wait in a queue while the stages load their models.
        let probes = try ZMQSocket(context, .push, highWaterMark: 4, lingerMilliseconds: 0)
        try probes.connect(endpoints.connect(.framesIn))
        let probe = try Self.probeFrame()
        var probeSentAt: ContinuousClock.Instant?
        var sourcesStarted = false
        for stage in all where stage !== ingest { try start(stage) }
        sampleMemory(all, into: &summary)

        var ingestDone = ingest == nil
        var lastDraw = clock.now - .seconds(10)
        var lastLog = clock.now
        var lastSample = clock.now
        var framesAtLastDraw = 0
        var rate = 0.0
        while !stop.isRequested {
            if let ingest, !sourcesStarted {
                if clock.now - began >= configuration.probeTimeout {
                    logger.warning("no probe came back through the stages; starting the sources anyway")
                    try start(ingest)
                    sourcesStarted = true
                } else if probeSentAt.map({ clock.now - $0 >= .milliseconds(500) }) ?? true {
                    _ = try probes.send(probe.parts, timeoutMilliseconds: 0)
                    probeSentAt = clock.now
                }
            }
            while let parts = try acks.receive(timeoutMilliseconds: 100) {
                guard let ack = try? AckMessage(parts: parts) else { continue }
                if ack.header.flags.contains(.probe) {
                    if let ingest, !sourcesStarted, ack.header.source == Self.probeSource {
                        logger.debug("a probe came back; starting the sources")
                        try start(ingest)
                        sourcesStarted = true
                    }
                    continue
                }
                summary.frames[ack.header.source, default: 0] += 1
                summary.faces[ack.header.source, default: 0] += ack.header.faceCount
                let sinceStart = clock.now - began
                if summary.firstAck == nil { summary.firstAck = sinceStart }
                summary.lastAck = sinceStart
                if configuration.collectLatencies {
                    summary.latencies.append(Date().timeIntervalSince1970 - Double(ack.header.capturedAt) / 1e6)
                }
                if clock.now - lastDraw >= .milliseconds(250) { break }
            }
            for stage in all {
                guard let process = stage.process, !process.isRunning, let status = process.exit else {
                    if let due = stage.restartAt, clock.now >= due {
                        stage.restarts += 1
                        logger.notice("restarting stage", metadata: ["stage": "\(stage.name)", "restart": "\(stage.restarts)"])
                        try start(stage)
                    }
                    continue
                }
                stage.process = nil
                // A wrong command line or configuration would end a restarted stage again.
                if status == .exited(.usage) || status == .exited(.configuration) {
                    throw SupervisorError.stageMisconfigured(stage: stage.name, status: status.description)
                }
                // The ingest is done, not crashed, also when a source failed part-way.
                if stage === ingest, status == .exited(0) || status == .exited(.dataError) {
                    ingestDone = true
                    summary.sourceFailed = status == .exited(.dataError)
                    continue
                }
                // A crash: restart after a back-off that doubles while the stage keeps dying young.
                if clock.now - stage.startedAt > .seconds(30) { stage.backoff = .milliseconds(500) }
                logger.warning(
                    "stage died; restarting",
                    metadata: [
                        "stage": "\(stage.name)", "status": "\(status)",
                        "in": "\(stage.backoff)"
                    ])
                stage.restartAt = clock.now + stage.backoff
                stage.backoff = min(stage.backoff * 2, .seconds(8))
            }
            let now = clock.now
            if now - lastSample >= .seconds(1) {
                lastSample = now
                sampleMemory(all, into: &summary)
            }
            if now - lastDraw >= .milliseconds(250) {
                let seconds = (now - lastDraw).inSeconds
                let instant = Double(summary.totalFrames - framesAtLastDraw) / max(seconds, 1e-3)
                rate = rate == 0 ? instant : 0.7 * rate + 0.3 * instant
                framesAtLastDraw = summary.totalFrames
                lastDraw = now
                let line = Self.statusLine(summary: summary, expected: configuration.expectedFrames, rate: rate, elapsed: now - began)
                if configuration.showProgress {
                    FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
                } else if now - lastLog >= .seconds(10) {
                    logger.info("\(line)")
                    lastLog = now
                }
            }
            if ingestDone && ingest != nil && !configuration.keepRunning {
                summary.completed = !summary.sourceFailed
                return
            }
        }
    }

    static let probeSource = "moodwire-up-probe"

    /// A 64x64 grey JPEG frame with the probe flag.
    static func probeFrame() throws -> FrameMessage {
        let image = RGBImage(width: 64, height: 64, pixels: [UInt8](repeating: 128, count: 64 * 64 * 3))
        return FrameMessage(
            header: FrameHeader(
                kind: .frame, flags: .probe, source: probeSource, seq: 0, capturedAt: Int64(Date().timeIntervalSince1970 * 1_000_000),
                width: 64, height: 64),
            image: [UInt8](try JPEGEncoder().encode(image)))
    }

    /// Records each running stage's peak resident memory (VmHWM) and publishes the PIDs and the
    /// summary so far (for readers while the stack runs, such as the soak benchmark).
    private func sampleMemory(_ stages: [Stage], into summary: inout StackSummary) {
        var pids: [String: pid_t] = [:]
        for stage in stages {
            guard let process = stage.process, process.isRunning else { continue }
            pids[stage.name] = process.pid
            if let bytes = ProcessMemory.bytes(.peakResident, of: process.pid) {
                summary.peakResidentBytes[stage.name] = max(summary.peakResidentBytes[stage.name] ?? 0, bytes)
            }
        }
        lock.withLock {
            runningPIDs = pids
            lastSummary = summary
        }
    }

    static func statusLine(summary: StackSummary, expected: Int?, rate: Double, elapsed: Duration) -> String {
        let seconds = Int(elapsed.inSeconds)
        let frames = expected.map { "\(summary.totalFrames)/\($0) (\(100 * summary.totalFrames / max($0, 1))%)" } ?? "\(summary.totalFrames)"
        return "recorded frames \(frames) · faces \(summary.totalFaces) · "
            + String(format: "%.1f frames/s", rate) + String(format: " · %d:%02d", seconds / 60, seconds % 60)
    }

    private func shutDown(ingest: Stage?, workers: [Stage], services: [Stage]) {
        let timeout = configuration.stopTimeout
        ingest?.process?.stop(timeout: timeout)
        stopTogether(workers, timeout: timeout)
        // The recorder commits what it received; then the broker can go.
        stopTogether(services.filter { $0.name == "recorder" }, timeout: timeout)
        stopTogether(services.filter { $0.name != "recorder" }, timeout: timeout)
    }

    private func stopTogether(_ stages: [Stage], timeout: Duration) {
        for stage in stages { stage.process?.send(SIGTERM) }
        for stage in stages { stage.process?.stop(timeout: timeout) }
    }
}
