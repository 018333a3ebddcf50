import Analysis
import ArgumentParser
import CommandLineSupport
import EmotionClassification
import FaceDetection
import Foundation
import Imaging
import Results

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the faces in photos and print each face's emotion probabilities.",
        discussion: """
            Faces are found with OpenCV's frontal-face Haar cascade (the same boxes as OpenCV 4's \
            detectMultiScale) and classified from the crop the fer package takes: with the defaults and \
            --min-size 50, the same boxes and probabilities as fer's FER(mtcnn=False, use_tflite=False). \
            Images that cannot be read are reported and skipped; the exit status is 1 if any was.
            """
    )

    @Argument(help: "JPEG or PNG images (JPEGs are turned upright by their EXIF orientation).")
    var images: [String]

    @Flag(help: "Print one JSON object per image and line.")
    var json = false

    @Option(help: "How much the detection window grows per pyramid level (OpenCV scaleFactor).")
    var scaleFactor = 1.1

    @Option(help: "How many overlapping raw detections a face needs (OpenCV minNeighbors).")
    var minNeighbors = 5

    @Option(help: "Smallest face side in pixels (OpenCV minSize).")
    var minSize = 30

    @Option(help: "Largest face side in pixels (OpenCV maxSize; default: the image size).")
    var maxSize: Int?

    @Option(help: ArgumentHelp("Also write each image with its faces boxed and labelled, as OUT_DIR/<name>.jpg.", valueName: "out-dir"))
    var annotate: String?

    @Option(
        help: ArgumentHelp(
            "How colour becomes gray: rgb-weighted (OpenCV's cvtColor, as fer sees photos) or luma (the JPEG's own luma channel; faster).",
            valueName: "conversion"))
    var gray: GrayConversion = .rgbWeighted

    @Option(help: ArgumentHelp("Haar cascade XML (default: the installed haarcascade_frontalface_default.xml).", valueName: "path"))
    var cascade: String?

    @OptionGroup(title: "Model and threads (--threads applies to detection too)") var model: ModelOptions

    func validate() throws {
        guard scaleFactor > 1 else { throw ValidationError("--scale-factor must be greater than 1") }
        guard minNeighbors >= 0 else { throw ValidationError("--min-neighbors must be 0 or more") }
        guard minSize >= 1 else { throw ValidationError("--min-size must be at least 1") }
        if let maxSize, maxSize < minSize { throw ValidationError("--max-size must not be below --min-size") }
    }

    func run() async throws {
        let logger = model.bootstrapLogging()
        let store = ModelStore.standard(environment: ProcessInfo.processInfo.environment)
        let detector = FaceDetector(
            cascade: try HaarCascade(contentsOf: try cascade ?? store.locate(ModelStore.faceCascade)),
            threads: model.threads)
        let classifier = try EmotionClassifier(
            modelPath: try model.emotionModelPath(), maxBatch: model.batch,
            threads: model.threads, logger: logger)
        let analyzer = PhotoAnalyzer(detector: detector, classifier: classifier)
        let options = DetectionOptions(scaleFactor: scaleFactor, minNeighbors: minNeighbors, minSize: minSize, maxSize: maxSize)
        let decoder = ImageDecoder()
        let encoder = JPEGEncoder()
        if let annotate {
            do {
                try FileManager.default.createDirectory(atPath: annotate, withIntermediateDirectories: true)
            } catch {
                throw ValidationError("cannot create the folder \(annotate): \(error.localizedDescription)")
            }
        }
        var failed = 0
        for path in images {
            let image: GrayImage
            do {
                image = try decoder.decodeGray(contentsOf: path, conversion: gray)
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                failed += 1
                continue
            }
            let faces = analyzer.analyze(image, options: options)
            print(
                json
                    ? AnalysisReport.json(image: path, width: image.width, height: image.height, faces: faces)
                    : AnalysisReport.table(image: path, width: image.width, height: image.height, faces: faces))
            if let annotate {
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + ".jpg"
                let output = URL(fileURLWithPath: annotate).appendingPathComponent(name).path
                do {
                    let drawn = Annotation.draw(faces, on: try decoder.decodeRGB(contentsOf: path))
                    try encoder.encode(drawn).write(to: URL(fileURLWithPath: output))
                    if !json { print("  annotated: \(output)") }
                } catch {
                    FileHandle.standardError.write(Data("error: cannot write \(output): \(error)\n".utf8))
                    failed += 1
                }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

extension GrayConversion: ExpressibleByArgument {}
