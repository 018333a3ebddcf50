import CommandLineSupport
import Foundation
import Logging
import Messaging
import Processes
import StageOptions
import Supervisor
import Timing

/// `moodwire bench soak`: the whole stack (web included) playing a looping video paced like a
/// camera for a number of minutes, with every service's resident memory (VmRSS) sampled after a
/// warm-up and at the end. A service whose memory grows with the frames it handles would show
/// here long before it fills a machine in weeks of running.
public struct SoakBenchmark {
    public struct Configuration: Sendable {
        public var video: String
        public var executableDirectory: String
        public var duration: Duration
        public var framesPerSecond: Double
        public var basePort: Int
        public var workDirectory: String
        /// Growth from the first to the last sample above which a service is not flat.
        public var tolerance: Double

        public init(
            video: String, executableDirectory: String, duration: Duration, framesPerSecond: Double = 10,
            basePort: Int, workDirectory: String, tolerance: Double = 0.10
        ) {
            self.video = video
            self.executableDirectory = executableDirectory
            self.duration = duration
            self.framesPerSecond = framesPerSecond
            self.basePort = basePort
            self.workDirectory = workDirectory
            self.tolerance = tolerance
        }
    }

    public struct ServiceMemory: Sendable, Codable {
        public var service: String
        public var startMegabytes: Double
        public var endMegabytes: Double
        public var peakMegabytes: Double
        public var change: Double { startMegabytes > 0 ? endMegabytes / startMegabytes - 1 : 0 }
    }

    public struct Result: Sendable, Codable {
        public var seconds: Double
        public var warmUpSeconds: Double
        public var framesPerSecond: Double
        public var framesRecorded: Int
        public var facesRecorded: Int
        public var restarts: [String: Int]
        public var services: [ServiceMemory]
        public var tolerance: Double
        public var flat: Bool { services.allSatisfy { abs($0.change) <= tolerance } }
    }

    let configuration: Configuration
    let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Time given to the stack to load models and fill its buffers before the first sample: a
    /// quarter of the run, at most 30 s.
    var warmUp: Duration { min(configuration.duration / 4, .seconds(30)) }

    public func run(progress: (String) -> Void) throws -> Result {
        var stages = try StageArguments.parse([])
        stages.ingest.sources = ["soak=" + configuration.video]
        stages.ingest.loop = true
        stages.ingest.fps = configuration.framesPerSecond
        stages.database.db = configuration.workDirectory + "/soak.db"
        stages.web.webPort = configuration.basePort + 8
        let stack = StackConfiguration(
            stages: stages, executableDirectory: configuration.executableDirectory, runsWeb: true, basePort: configuration.basePort,
            keepRunning: true)
        let supervisor = try StackSupervisor(configuration: stack, logger: logger)
        let stop = StopSignal()
        let finished = DispatchSemaphore(value: 0)
        let failure = FirstFailure<any Error>()
        Thread {
            do { try supervisor.run(stop: stop) } catch { failure.record(error) }
            finished.signal()
        }.start()

        let start = ContinuousClock.now
        var first: [String: Int] = [:], last: [String: Int] = [:], peak: [String: Int] = [:]
        var nextReport = start + .seconds(10)
        while ContinuousClock.now - start < configuration.duration {
            if failure.error != nil { break }
            Thread.sleep(forTimeInterval: 1)
            let now = ContinuousClock.now
            guard now - start >= warmUp else { continue }
            let sample = supervisor.processIDs.compactMapValues { ProcessMemory.bytes(.resident, of: $0) }
            if first.isEmpty { first = sample }
            for (service, bytes) in sample {
                last[service] = bytes
                peak[service] = max(peak[service] ?? 0, bytes)
            }
            if now >= nextReport {
                nextReport = now + .seconds(10)
                let total = sample.values.reduce(0, +)
                progress(
                    String(
                        format: "%d s: %d frames recorded, %.1f MB resident in %d services",
                        Int((now - start).inSeconds), supervisor.summary.totalFrames,
                        Double(total) / 1_048_576, sample.count))
            }
        }
        let elapsed = ContinuousClock.now - start
        stop.request()
        finished.wait()
        if let error = failure.error { throw error }
        let summary = supervisor.summary
        let megabytes = { (bytes: Int?) in Double(bytes ?? 0) / 1_048_576 }
        let services = first.keys.sorted().map { service in
            ServiceMemory(
                service: service, startMegabytes: megabytes(first[service]), endMegabytes: megabytes(last[service]),
                peakMegabytes: megabytes(peak[service]))
        }
        return Result(
            seconds: elapsed.inSeconds.rounded(.down), warmUpSeconds: warmUp.inSeconds.rounded(.down),
            framesPerSecond: configuration.framesPerSecond, framesRecorded: summary.totalFrames,
            facesRecorded: summary.totalFaces, restarts: summary.restarts.filter { $0.value > 0 },
            services: services, tolerance: configuration.tolerance)
    }
}
