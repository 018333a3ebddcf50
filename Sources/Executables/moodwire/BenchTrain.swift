import ArgumentParser
import Benchmarks
import EmotionClassification
import Foundation
import ModelFormat
import NeuralNetwork
import Results
import Training

struct BenchTrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training images per second (forward, backward and SGD update) at each thread count, on real faces.",
        discussion: """
            Trains the architecture on the first --images faces of the folder without augmentation. \
            With --reference, runs bench/reference/train_keras.py (Keras on TensorFlow CPU, the same \
            graph, images and batches, the same thread counts) in the same run and prints both, with \
            the ratio.
            """
    )

    @Option(help: ArgumentHelp("Training folder, one subfolder of images per label.", valueName: "dir"))
    var data = "../shared/data/fer2013/train"

    @Option(help: "How many images to train on (in folder order, label by label, every label represented).")
    var images = 1024

    @Option(help: ArgumentHelp("Architecture: \(Architecture.names.joined(separator: ", ")).", valueName: "name"))
    var arch = "vgg"

    @Option(help: ArgumentHelp("Comma-separated stage widths (default: the architecture's).", valueName: "list"))
    var widths: String?

    @Option(help: "Comma-separated thread counts.")
    var threads = "1,2"

    @Option(help: "Images per step.")
    var batch = 128

    @Option(help: "Seconds of timed steps per configuration.")
    var seconds = 10.0

    @Flag(help: "Also run the Keras reference script and compare.")
    var reference = false

    @Option(help: ArgumentHelp("The reference script.", valueName: "path"))
    var referenceScript = "bench/reference/train_keras.py"

    @Flag(help: "Print the measurements as JSON.")
    var json = false

    @Flag(help: "Also print each layer's median forward and backward time per image (one thread).")
    var layers = false

    func run() async throws {
        let threadCounts = try BenchClassifier.integers(threads, name: "--threads")
        let widthList = try widths.map { try BenchClassifier.integers($0, name: "--widths") }
        guard let architecture = Architecture.named(arch, widths: widthList) else {
            throw ValidationError("unknown --arch \(arch); choose one of \(Architecture.names.joined(separator: ", "))")
        }
        let graph = architecture.graph(classes: Emotion.allCases.count)
        let loaded = try Train.load(folder: data, side: architecture.inputSide, threads: 2, role: "benchmark")
        let subset = Self.subset(loaded.images, count: images)
        let initial = try TrainingGraph(graph, seed: 1).modelFile(labels: subset.labels, source: "moodwire bench train")
        let macs = try Network(model: initial, path: "(benchmark)").multiplyAccumulates
        if !json {
            print("architecture \(architecture): \(macs) multiply-accumulates per face forward")
            print("OpenBLAS kernel \(Gemm.kernelName); \(subset.count) images of \(data), batch \(batch)")
        }
        let benchmark = TrainingBenchmark(graph: graph, images: subset)
        var ours: [TrainingBenchmark.Measurement] = []
        for count in threadCounts {
            let measurement = try benchmark.measure(threads: count, batch: batch, seconds: seconds)
            ours.append(measurement)
            if !json { print(measurement.line) }
        }
        if layers && !json {
            let profile = try benchmark.profileLayers(batch: batch)
            let total = profile.reduce(0) { $0 + $1.forwardMs + $1.backwardMs }
            print("per layer, \(batch / 2) images (one shard), 1 thread (median ms per image: forward, backward, share of the step):")
            for layer in profile {
                let name = layer.name.padding(toLength: max(24, layer.name.count), withPad: " ", startingAt: 0)
                print(
                    "  " + name
                        + String(
                            format: " %7.4f %7.4f %5.1f%%", layer.forwardMs, layer.backwardMs, (layer.forwardMs + layer.backwardMs) / total * 100))
            }
        }
        guard reference else {
            if json { try printJSON(ours) }
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("moodwire-bench-train-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try initial.write(to: folder + "/model.safetensors")
        try Data(subset.pixels).write(to: URL(fileURLWithPath: folder + "/pixels.u8"))
        try Data(subset.classes.map { UInt8($0) }).write(to: URL(fileURLWithPath: folder + "/labels.u8"))
        let output = try ReferenceTools.runPythonScript(
            referenceScript, arguments: [folder, "--threads", threads, "--batch", String(batch), "--seconds", String(seconds)])
        let theirs = try JSONDecoder().decode([TrainingBenchmark.Measurement].self, from: output)
        if json {
            try printJSON(ours + theirs)
            return
        }
        for measurement in theirs { print(measurement.line) }
        for (mine, other) in zip(ours, theirs) {
            print(String(format: "threads=%d  moodwire / keras images/s: %.2f", mine.threads, mine.imagesPerSecond / other.imagesPerSecond))
        }
    }

    private func printJSON(_ measurements: [TrainingBenchmark.Measurement]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(measurements), as: UTF8.self))
    }

    /// The first `count` images, taken from every label in turn so that each is represented.
    static func subset(_ images: ImageSet, count: Int) -> ImageSet {
        var byLabel = [[Int]](repeating: [], count: images.labels.count)
        for (index, label) in images.classes.enumerated() { byLabel[label].append(index) }
        var chosen: [Int] = []
        var round = 0
        while chosen.count < min(count, images.count) {
            for list in byLabel where round < list.count && chosen.count < count { chosen.append(list[round]) }
            round += 1
        }
        let side = images.side * images.side
        return ImageSet(
            labels: images.labels, side: images.side,
            pixels: chosen.flatMap { images.pixels[($0 * side)..<(($0 + 1) * side)] }, classes: chosen.map { images.classes[$0] })
    }
}
