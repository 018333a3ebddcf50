import ArgumentParser
import Benchmarks
import Foundation
import Logging

struct BenchWeb: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Upload-to-answer latency of the web API through a running stack, one client and several.",
        discussion: """
            Starts the stack (broker, recorder, detectors, classifier, web) on loopback, uploads a 640x480 \
            JPEG (default: the sample messi5.jpg scaled with ffmpeg) --requests times one at a time, then \
            from --clients clients at once for --seconds, and prints latency p50/p99 and requests/s.
            """
    )

    @Option(help: ArgumentHelp("JPEG to upload (default: the sample messi5.jpg at 640x480).", valueName: "path"))
    var photo: String?

    @Option(help: "Detector processes.")
    var detectors = 2

    @Option(help: "Threads per detector process.")
    var detectorThreads = 1

    @Option(help: "Classifier processes.")
    var classifiers = 1

    @Option(help: "Uploads one at a time.")
    var requests = 100

    @Option(help: "Concurrent clients.")
    var clients = 8

    @Option(help: "Seconds of concurrent uploads.")
    var seconds = 10.0

    @Option(help: "First of the stack's loopback ports (the web service listens on this + 8).")
    var basePort = 5750

    @Flag(help: "Print the measurements as JSON.")
    var json = false

    func run() async throws {
        var logger = Logger(label: "moodwire.bench")
        logger.logLevel = .warning
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("moodwire-bench-web-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let input = try photo ?? ReferenceTools.scaledSample("messi5.jpg", to: work + "/messi-640x480.jpg", encoding: ["-q:v", "2"])
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let benchmark = WebBenchmark(
            configuration: .init(
                photo: input, executableDirectory: executable.deletingLastPathComponent().path, detectors: detectors,
                detectorThreads: detectorThreads, classifiers: classifiers, basePort: basePort, sequentialRequests: requests,
                clients: clients, seconds: seconds, workDirectory: work), logger: logger)
        let result = try benchmark.run { step in FileHandle.standardError.write(Data("bench: \(step)\n".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }
        print(
            """
            Web uploads of \((input as NSString).lastPathComponent), \(detectors) detector(s) × \(detectorThreads) thread(s), \(classifiers) classifier(s)
              one at a time (\(requests)):  p50 \(f(result.sequentialP50Milliseconds)) ms, p99 \(f(result.sequentialP99Milliseconds)) ms
              \(clients) clients (\(f(seconds)) s):   \(f(result.requestsPerSecond)) requests/s, p50 \(f(result.concurrentP50Milliseconds)) ms, p99 \(f(result.concurrentP99Milliseconds)) ms
              failed requests: \(result.failures)
            """)
    }
}
