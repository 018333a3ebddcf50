import CommandLineSupport
import Foundation
import Logging
import Messaging
import StageOptions
import Supervisor
import Synchronization
import Timing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `moodwire bench web`: uploads through the web service of a running stack, as clients would
/// send them: one at a time (upload-to-answer latency), then from several clients at once
/// (requests per second and latency under load).
public struct WebBenchmark {
    public struct Configuration: Sendable {
        /// The JPEG every request uploads.
        public var photo: String
        public var executableDirectory: String
        public var detectors: Int
        public var detectorThreads: Int
        public var classifiers: Int
        public var basePort: Int
        public var sequentialRequests: Int
        public var clients: Int
        public var seconds: Double
        public var workDirectory: String

        public init(
            photo: String, executableDirectory: String, detectors: Int = 2, detectorThreads: Int = 1, classifiers: Int = 1,
            basePort: Int, sequentialRequests: Int = 100, clients: Int = 8, seconds: Double = 10, workDirectory: String
        ) {
            self.photo = photo
            self.executableDirectory = executableDirectory
            self.detectors = detectors
            self.detectorThreads = detectorThreads
            self.classifiers = classifiers
            self.basePort = basePort
            self.sequentialRequests = sequentialRequests
            self.clients = clients
            self.seconds = seconds
            self.workDirectory = workDirectory
        }
    }

    public struct Result: Sendable, Codable {
        public var sequentialP50Milliseconds: Double
        public var sequentialP99Milliseconds: Double
        public var concurrentClients: Int
        public var requestsPerSecond: Double
        public var concurrentP50Milliseconds: Double
        public var concurrentP99Milliseconds: Double
        public var failures: Int
    }

    public let configuration: Configuration
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run(progress: (String) -> Void) throws -> Result {
        let image = try Data(contentsOf: URL(fileURLWithPath: configuration.photo))
        let webPort = configuration.basePort + 8
        var stages = try StageArguments.parse([])
        stages.ingest.sources = []
        stages.database.db = configuration.workDirectory + "/web-bench.db"
        stages.detectorThreads = configuration.detectorThreads
        stages.web.webPort = webPort
        let stack = StackConfiguration(
            stages: stages, executableDirectory: configuration.executableDirectory, detectors: configuration.detectors,
            classifiers: configuration.classifiers, runsWeb: true, basePort: configuration.basePort, keepRunning: true)
        let supervisor = try StackSupervisor(configuration: stack, logger: logger)
        let stop = StopSignal()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            do { try supervisor.run(stop: stop) } catch { FileHandle.standardError.write(Data("bench: the stack failed: \(error)\n".utf8)) }
            finished.signal()
        }.start()
        defer {
            stop.request()
            finished.wait()
        }
        let url = URL(string: "http://127.0.0.1:\(webPort)/api/v1/analyze")!
        try waitForService(URL(string: "http://127.0.0.1:\(webPort)/healthz")!)

        progress("warming up")
        for _ in 0..<10 { _ = Self.upload(image, to: url) }
        progress("\(configuration.sequentialRequests) uploads one at a time")
        var sequential: [Double] = []
        var failures = 0
        for _ in 0..<configuration.sequentialRequests {
            let (seconds, ok) = Self.upload(image, to: url)
            if ok { sequential.append(seconds) } else { failures += 1 }
        }

        progress("\(configuration.clients) clients for \(configuration.seconds) s")
        let latencies = Mutex<[Double]>([])
        let failed = Atomic<Int>(0)
        let group = DispatchGroup()
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int(configuration.seconds * 1000))
        for _ in 0..<configuration.clients {
            group.enter()
            Thread {
                while ContinuousClock.now < end {
                    let (seconds, ok) = Self.upload(image, to: url)
                    if ok { latencies.withLock { $0.append(seconds) } } else { failed.add(1, ordering: .relaxed) }
                }
                group.leave()
            }.start()
        }
        group.wait()
        let elapsed = (ContinuousClock.now - start).inSeconds
        let concurrent = latencies.withLock { $0 }
        return Result(
            sequentialP50Milliseconds: PipelineBenchmark.percentile(sequential, 0.5) * 1000,
            sequentialP99Milliseconds: PipelineBenchmark.percentile(sequential, 0.99) * 1000,
            concurrentClients: configuration.clients, requestsPerSecond: Double(concurrent.count) / elapsed,
            concurrentP50Milliseconds: PipelineBenchmark.percentile(concurrent, 0.5) * 1000,
            concurrentP99Milliseconds: PipelineBenchmark.percentile(concurrent, 0.99) * 1000,
            failures: failures + failed.load(ordering: .relaxed))
    }

    private func waitForService(_ health: URL) throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if Self.get(health) == 200 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw BenchmarkError.stackDidNotFinish("web start-up")
    }

    /// One raw JPEG upload: its latency in seconds and whether it was answered 200.
    static func upload(_ image: Data, to url: URL) -> (Double, Bool) {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = image
        request.setValue("image/jpeg", forHTTPHeaderField: "Content-Type")
        let start = ContinuousClock.now
        let status = perform(request)
        return ((ContinuousClock.now - start).inSeconds, status == 200)
    }

    static func get(_ url: URL) -> Int {
        perform(URLRequest(url: url))
    }

    private static func perform(_ request: URLRequest) -> Int {
        let done = DispatchSemaphore(value: 0)
        let status = Atomic<Int>(0)
        URLSession.shared.dataTask(with: request) { _, response, _ in
            status.store((response as? HTTPURLResponse)?.statusCode ?? 0, ordering: .relaxed)
            done.signal()
        }.resume()
        done.wait()
        return status.load(ordering: .relaxed)
    }
}
