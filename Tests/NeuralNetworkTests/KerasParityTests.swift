import Foundation
import TestSupport
import Testing

@testable import EmotionClassification
@testable import Imaging
@testable import Results

/// The pretrained model against Keras: Tests/NeuralNetworkTests/Fixtures/keras_golden.json holds
/// tf-keras's probabilities for 140 FER2013 PublicTest images (and their mirror images) and its
/// accuracy and confusion matrices on the whole split, made by
/// scripts/reference/make_classifier_golden.py with the fer package's preprocessing.
@Suite(
    "Keras parity of the pretrained FER2013 model",
    .enabled(
        if: (NetworkTestSupport.modelPath != nil && NetworkTestSupport.sharedDataAvailable) || runningInCI,
        "needs the model (scripts/fetch-models.sh) and ../shared/data (FER2013 PublicTest)"))
struct KerasParityTests {
    /// Absolute tolerance on every probability.
    static let tolerance: Float = 1e-4

    struct Golden: Decodable {
        struct Image: Decodable {
            let path: String
            let label: String
            let probabilities: [Float]
            let flipped_probabilities: [Float]
        }
        struct Split: Decodable {
            let count: Int
            let accuracy: Double
            let flip_accuracy: Double
            let confusion: [[Int]]
            let flip_confusion: [[Int]]
        }
        let labels: [String]
        let images: [Image]
        let publictest: Split
    }

    let golden: Golden
    let classifier: EmotionClassifier

    init() throws {
        golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: NetworkTestSupport.goldenFile)))
        let path = try #require(NetworkTestSupport.modelPath, "model not installed: run scripts/fetch-models.sh")
        classifier = try EmotionClassifier(modelPath: path, maxBatch: 32, threads: 1)
    }

    @Test("Every probability of 140 images and their mirrors is within 1e-4 of Keras")
    func probabilities() throws {
        #expect(golden.labels == Emotion.allCases.map(\.rawValue))
        let decoder = JPEGDecoder()
        let faces = try golden.images.map { try decoder.decodeGray(contentsOf: NetworkTestSupport.publicTest + "/" + $0.path) }
        let plain = classifier.classify(faces)
        var worst: Float = 0
        for (image, scores) in zip(golden.images, plain) {
            worst = max(worst, NetworkTestSupport.maxDifference(scores.probabilities, image.probabilities))
        }
        #expect(worst < Self.tolerance, "largest difference \(worst)")

        // The mirror image alone: flip after the resize, as the reference does.
        let network = classifier.network
        let mirrored = faces.map {
            BilinearResize.resize($0, width: network.inputShape.width, height: network.inputShape.height).flippedHorizontally()
        }
        var worstMirrored: Float = 0
        for (image, scores) in zip(golden.images, classifier.classify(mirrored)) {
            worstMirrored = max(worstMirrored, NetworkTestSupport.maxDifference(scores.probabilities, image.flipped_probabilities))
        }
        #expect(worstMirrored < Self.tolerance, "largest difference \(worstMirrored)")

        // Flip averaging is the mean of the two.
        for (image, scores) in zip(golden.images, classifier.classify(faces, flipAveraged: true)) {
            let mean = zip(image.probabilities, image.flipped_probabilities).map { ($0 + $1) / 2 }
            #expect(NetworkTestSupport.maxDifference(scores.probabilities, mean) < Self.tolerance)
        }
    }

    @Test("Two threads give the same probabilities as one")
    func threads() throws {
        let decoder = JPEGDecoder()
        let faces = try golden.images.prefix(40).map { try decoder.decodeGray(contentsOf: NetworkTestSupport.publicTest + "/" + $0.path) }
        let path = try #require(NetworkTestSupport.modelPath)
        let parallel = try EmotionClassifier(modelPath: path, maxBatch: 8, threads: 2)
        for (one, two) in zip(classifier.classify(faces), parallel.classify(faces)) {
            #expect(NetworkTestSupport.maxDifference(one.probabilities, two.probabilities) < 1e-6)
        }
        // Batch 1 splits rows of every layer across the threads instead of images.
        let single = try EmotionClassifier(modelPath: path, maxBatch: 1, threads: 2)
        for (one, two) in zip(classifier.classify(faces), single.classify(faces)) {
            #expect(NetworkTestSupport.maxDifference(one.probabilities, two.probabilities) < 1e-6)
        }
    }

    @Test("Accuracy and confusion matrix on all of PublicTest equal Keras's, with and without flip averaging")
    func wholeSplit() throws {
        let decoder = JPEGDecoder()
        var plain = Array(repeating: Array(repeating: 0, count: 7), count: 7)
        var flipped = plain
        for emotion in Emotion.allCases {
            let folder = NetworkTestSupport.publicTest + "/" + emotion.rawValue
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            let faces = try files.map { try decoder.decodeGray(contentsOf: folder + "/" + $0) }
            for scores in classifier.classify(faces) { plain[emotion.index][scores.top.index] += 1 }
            for scores in classifier.classify(faces, flipAveraged: true) { flipped[emotion.index][scores.top.index] += 1 }
        }
        let count = plain.joined().reduce(0, +)
        #expect(count == golden.publictest.count)
        #expect(plain == golden.publictest.confusion)
        #expect(flipped == golden.publictest.flip_confusion)
        let correct = (0..<7).reduce(0) { $0 + plain[$1][$1] }
        #expect(abs(Double(correct) / Double(count) - golden.publictest.accuracy) < 1e-6)
    }
}
