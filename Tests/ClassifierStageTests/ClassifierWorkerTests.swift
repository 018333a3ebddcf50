import Foundation
import TestSupport
import Testing

@testable import ClassifierStage
@testable import EmotionClassification
@testable import Imaging
@testable import PipelineProtocol

@Suite(
    "Classifier worker",
    .enabled(
        if: (InstalledModels.emotionModel != nil && FileManager.default.fileExists(atPath: sharedDataPath("fer2013/publictest"))) || runningInCI,
        "needs the model (scripts/fetch-models.sh) and ../shared/data"))
struct ClassifierWorkerTests {
    /// Four real 48x48 FER faces resized to the 64x64 crops the detector sends.
    func crops(_ count: Int) throws -> [GrayImage] {
        let folder = sharedDataPath("fer2013/publictest/happy")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().prefix(count)
        let decoder = ImageDecoder()
        return try files.map { BilinearResize.resize(try decoder.decodeGray(contentsOf: folder + "/" + $0), width: 64, height: 64) }
    }

    func faces(seq: UInt64, _ crops: [GrayImage]) -> FacesMessage {
        let header = FrameHeader(kind: .faces, flags: .acknowledged, source: "test", seq: seq, capturedAt: 1, width: 640, height: 480)
        let faces = crops.indices.map {
            DetectedFace(box: PixelRect(x: $0 * 10, y: 0, width: 64, height: 64), score: 0.5 + Float($0) / 10, keypoints: [])
        }
        return FacesMessage(header: header, faces: faces, crops: crops.flatMap(\.pixels), cropSide: 64)
    }

    @Test func batchedFramesGetTheirOwnFacesResults() throws {
        let classifier = try EmotionClassifier(modelPath: try #require(InstalledModels.emotionModel), maxBatch: 32)
        let worker = ClassifierWorker(classifier: classifier)
        let images = try crops(4)
        let frames = [faces(seq: 0, Array(images[0..<3])), faces(seq: 1, []), faces(seq: 2, [images[3]])]
        let results = worker.results(for: frames)
        #expect(results.map(\.header.seq) == [0, 1, 2])
        #expect(results.map(\.faces.count) == [3, 0, 1])
        #expect(results.allSatisfy { $0.header.kind == .results && $0.header.flags == .acknowledged })
        #expect(results[0].faces == frames[0].faces)
        // Each face's probabilities are those of classifying it alone.
        let alone = classifier.classify(images)
        for (index, scores) in alone.enumerated() {
            let result = index < 3 ? results[0].probabilities(ofFace: index) : results[2].probabilities(ofFace: 0)
            #expect(zip(Array(result), scores.probabilities).map { abs($0 - $1) }.max()! < 1e-6)
        }
        #expect(results[0].header.classifyMicros > 0)
    }
}
