import ArgumentParser
import Benchmarks
import CommandLineSupport
import Foundation
import Logging
import StageOptions

struct BenchPipeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "The whole stack on a 640x480 video against its detector alone, latency, recorder insert rate and memory.",
        discussion: """
            Plays the video through `moodwire up`'s processes at full speed (sustained frames/s and faces/s) \
            and paced at --paced-fps (capture-to-recorded latency p50/p99), measures the detector alone on \
            the same frames with the same number of threads as detector processes, the single-frame \
            processing time, the recorder's SQLite insert rate (and, with --reference, Python's sqlite3 \
            executemany on the same rows), and every stage's peak resident memory.
            """
    )

    @Option(help: ArgumentHelp("Video to play (default: the sample Megamind.avi scaled to 640x480 with ffmpeg).", valueName: "path"))
    var video: String?

    @Option(help: "Detector processes (and detector-alone threads).")
    var detectors = 2

    @Option(help: "Classifier processes.")
    var classifiers = 1

    @Option(help: "Frame rate of the paced run (at most half the full speed).")
    var pacedFps = 30.0

    @Option(help: "First of eight loopback ports.")
    var basePort = 5650

    @OptionGroup(title: "Face detection") var detection: DetectionArguments

    @Flag(help: "Also run bench/reference/recorder_sqlite3.py (Python's sqlite3) on the same rows.")
    var reference = false

    @Option(help: ArgumentHelp("The reference script.", valueName: "path"))
    var referenceScript = "bench/reference/recorder_sqlite3.py"

    @Flag(help: "Print the measurements as JSON.")
    var json = false

    func run() async throws {
        var logger = Logger(label: "moodwire.bench")
        logger.logLevel = .warning
        let environment = ProcessInfo.processInfo.environment
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("moodwire-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let input =
            try video
            ?? ReferenceTools.scaledSample("Megamind.avi", to: work + "/megamind-640x480.avi", encoding: ["-an", "-c:v", "mpeg4", "-q:v", "2"])
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let store = ModelStore.standard(environment: environment)
        let benchmark = PipelineBenchmark(
            configuration: .init(
                video: input, executableDirectory: executable.deletingLastPathComponent().path, detectors: detectors,
                classifiers: classifiers, basePort: basePort, detection: detection,
                modelPath: try store.locate(ModelStore.emotionModel), workDirectory: work,
                pacedFramesPerSecond: pacedFps), logger: logger)
        let result = try benchmark.run { step in
            FileHandle.standardError.write(Data("bench: \(step)\n".utf8))
        }
        var referenceRate: Double?
        if reference {
            let output = try ReferenceTools.runPythonScript(
                referenceScript,
                arguments: [
                    "--frames", "\(PipelineBenchmark.recorderFrames)", "--faces-per-frame", "\(PipelineBenchmark.recorderFacesPerFrame)",
                    "--batch", "\(PipelineBenchmark.recorderBatch)", "--db", work + "/reference.db"
                ])
            let object = try JSONSerialization.jsonObject(with: output) as? [String: Any]
            referenceRate = object?["face_rows_per_second"] as? Double
        }
        if json {
            var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(result)) as! [String: Any]
            object["pipeline_share"] = result.pipelineShare
            if let referenceRate { object["reference_python_sqlite3_face_rows_per_second"] = referenceRate }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(Self.report(result, referenceRate: referenceRate))
        }
    }

    static func report(_ r: PipelineBenchmark.Result, referenceRate: Double?) -> String {
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        var lines = [
            "Pipeline: \(r.frameCount) frames of \(r.frameWidth)x\(r.frameHeight), \(r.detectors) \(r.detector) detector(s), \(r.classifiers) classifier(s)",
            "  detector alone (\(r.detectors) thread(s), same frames):  \(f(r.detectorAloneFramesPerSecond)) frames/s",
            "  stack at full speed:                  \(f(r.fullSpeed.framesPerSecond)) frames/s, \(f(r.fullSpeed.facesPerSecond)) faces/s"
                + " (\(f(100 * r.pipelineShare))% of the detector alone)",
            "    latency capture→recorded:           p50 \(f(r.fullSpeed.latencyP50Milliseconds)) ms, p99 \(f(r.fullSpeed.latencyP99Milliseconds)) ms",
            "  stack paced at \(f(r.paced.pacedAt ?? 0)) frames/s:       p50 \(f(r.paced.latencyP50Milliseconds)) ms, p99 \(f(r.paced.latencyP99Milliseconds)) ms"
                + " (\(f(r.paced.latencyP99Milliseconds / r.singleFrameMilliseconds, 2))x the single-frame time)",
            "  single-frame processing (decode, detect, classify, 1 thread): \(f(r.singleFrameMilliseconds)) ms (median)",
            "  recorder inserts:                     \(f(r.recorderFaceRowsPerSecond, 0)) face rows/s"
        ]
        if let referenceRate {
            lines.append(
                "  Python sqlite3 executemany:           \(f(referenceRate, 0)) face rows/s (ratio \(f(r.recorderFaceRowsPerSecond / referenceRate, 2)))"
            )
        }
        lines.append("  peak resident memory:")
        for (stage, megabytes) in r.peakResidentMegabytes.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(stage.padding(toLength: 14, withPad: " ", startingAt: 0)) \(f(megabytes)) MB")
        }
        return lines.joined(separator: "\n")
    }
}
