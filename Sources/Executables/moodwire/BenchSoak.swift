import ArgumentParser
import Benchmarks
import Foundation
import Logging

struct BenchSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "The whole stack on a paced, looping video for some minutes: resident memory of every service at the start and the end.",
        discussion: """
            Runs broker, recorder, detector, classifier, web and ingest on loopback, the ingest looping the \
            video (default: the sample Megamind.avi at 640x480) at --fps like a camera. After a warm-up (a \
            quarter of the run, at most 30 s) it samples every service's resident memory (VmRSS) each \
            second and prints the first and last samples, the peak and the change; memory is flat when every \
            change is within 10%. Exits with status 1 when it is not.
            """
    )

    @Option(help: "Minutes to run.")
    var minutes = 5.0

    @Option(help: "Frames per second the video is played at.")
    var fps = 10.0

    @Option(help: ArgumentHelp("Video to loop (default: the sample Megamind.avi scaled to 640x480 with ffmpeg).", valueName: "path"))
    var video: String?

    @Option(help: "First of the stack's loopback ports (the web service listens on this + 8).")
    var basePort = 5850

    @Flag(help: "Print the measurements as JSON.")
    var json = false

    func validate() throws {
        guard minutes > 0 else { throw ValidationError("--minutes must be positive") }
        guard fps > 0 else { throw ValidationError("--fps must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "moodwire.bench")
        logger.logLevel = .warning
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("moodwire-bench-soak-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let input =
            try video
            ?? ReferenceTools.scaledSample("Megamind.avi", to: work + "/megamind-640x480.avi", encoding: ["-an", "-c:v", "mpeg4", "-q:v", "2"])
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let benchmark = SoakBenchmark(
            configuration: .init(
                video: input, executableDirectory: executable.deletingLastPathComponent().path,
                duration: .milliseconds(Int(minutes * 60_000)), framesPerSecond: fps, basePort: basePort, workDirectory: work),
            logger: logger)
        let result = try benchmark.run { line in FileHandle.standardError.write(Data("bench: \(line)\n".utf8)) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(Self.report(result))
        }
        if !result.flat { throw ExitCode(1) }
    }

    static func report(_ r: SoakBenchmark.Result) -> String {
        var lines = [
            String(
                format: "Soak: %.0f s at %.1f frames/s (memory sampled after %.0f s of warm-up); %d frames, %d faces recorded",
                r.seconds, r.framesPerSecond, r.warmUpSeconds, r.framesRecorded, r.facesRecorded),
            "service        start MB   end MB   peak MB   change"
        ]
        for service in r.services {
            let name = service.service.padding(toLength: max(13, service.service.count), withPad: " ", startingAt: 0)
            lines.append(
                name
                    + String(
                        format: " %9.1f %8.1f %9.1f %+7.1f%%", service.startMegabytes, service.endMegabytes,
                        service.peakMegabytes, service.change * 100))
        }
        if !r.restarts.isEmpty {
            lines.append("restarts: " + r.restarts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        lines.append(
            r.flat
                ? String(format: "Memory is flat: every service within %.0f%%.", r.tolerance * 100)
                : String(format: "Memory is NOT flat: a service changed by more than %.0f%%.", r.tolerance * 100))
        return lines.joined(separator: "\n")
    }
}
