import EmotionClassification
import Evaluation
import Foundation
import ModelFormat
import TestSupport
import Testing

/// The committed default model (models/): the runtime must still give the PublicTest figures
/// recorded when it was trained (models/README.md), and the model must carry the record of the
/// data it was trained on.
@Suite(.needsSharedData("fer2013/train", "fer2013/publictest")) struct ShippedModelTests {
    static let models = repositoryRoot.appendingPathComponent("models")
    static let model = models.appendingPathComponent("emotion_vgg_fer2013.safetensors").path

    /// `moodwire eval --json` as recorded beside the model.
    private func recordedAccuracy(_ file: String) throws -> Double {
        let data = try Data(contentsOf: Self.models.appendingPathComponent(file))
        let record = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(record["accuracy"] as? Double)
    }

    @Test(arguments: [false, true])
    func reproducesTheRecordedAccuracy(flipAveraged: Bool) throws {
        let classifier = try EmotionClassifier(modelPath: Self.model, maxBatch: 64, threads: 2)
        let result = Evaluator(classifier: classifier).evaluate(
            try LabelledFolder(root: sharedDataPath("fer2013/publictest")), flipAveraged: flipAveraged)
        let recorded = try recordedAccuracy(flipAveraged ? "emotion_vgg_fer2013.publictest-flip.json" : "emotion_vgg_fer2013.publictest.json")
        #expect(result.failures.isEmpty)
        #expect(result.matrix.total == 3589)
        // Within two faces of 3,589: kernels may change the last bits of a borderline face's scores.
        #expect(abs(result.matrix.accuracy - recorded) * Double(result.matrix.total) <= 2, "\(result.matrix.accuracy) vs \(recorded)")
    }

    @Test func recordsTheTrainingData() throws {
        let file = try ModelFile(contentsOf: Self.model)
        let training = try LabelledFolder(root: sharedDataPath("fer2013/train"))
        #expect(training.items.count == 28709)
        #expect(file.extraMetadata["moodwire.training.data_sha256"] == training.fingerprint)
        #expect(file.extraMetadata["moodwire.training.epochs"] != nil)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: Self.model)[.size] as? Int)
        #expect(size < 2 * 1024 * 1024)
    }
}
