import EmotionClassification
import Foundation
import Imaging
import Logging
import Results

/// Runs a classifier over a labelled folder and tallies its predictions. Images that cannot be
/// read are reported and counted, and the rest go on.
public final class Evaluator {
    public let classifier: EmotionClassifier
    private let decoder = ImageDecoder()
    private let logger: Logger

    public init(classifier: EmotionClassifier, logger: Logger = Logger(label: "moodwire.evaluation")) {
        self.classifier = classifier
        self.logger = logger
    }

    /// Classifies every image of `folder`, `classifier.session.maxBatch` faces at a time.
    /// `progress(done, failed)` is called after each batch.
    public func evaluate(
        _ folder: LabelledFolder, flipAveraged: Bool = false,
        progress: (Int, Int) -> Void = { _, _ in }
    ) -> EvaluationResult {
        var matrix = ConfusionMatrix()
        var failures: [EvaluationResult.Failure] = []
        let batchSize = max(1, classifier.session.maxBatch / (flipAveraged ? 2 : 1))
        var done = 0
        var start = 0
        while start < folder.items.count {
            let batch = folder.items[start..<min(start + batchSize, folder.items.count)]
            var faces: [GrayImage] = []
            var labels: [Emotion] = []
            for item in batch {
                do {
                    faces.append(try decoder.decodeGray(contentsOf: item.path))
                    labels.append(item.label)
                } catch {
                    logger.debug("unreadable image", metadata: ["path": "\(item.path)", "error": "\(error)"])
                    failures.append(.init(path: item.path, reason: error.description))
                }
            }
            for (scores, label) in zip(classifier.classify(faces, flipAveraged: flipAveraged), labels) {
                matrix.record(truth: label, prediction: scores.top)
            }
            done += batch.count
            start += batch.count
            progress(done, failures.count)
        }
        return EvaluationResult(root: folder.root, flipAveraged: flipAveraged, matrix: matrix, failures: failures)
    }
}

/// What an evaluation found.
public struct EvaluationResult: Sendable {
    public struct Failure: Sendable, Equatable, Codable {
        public let path: String
        public let reason: String
    }

    public let root: String
    public let flipAveraged: Bool
    public let matrix: ConfusionMatrix
    /// Images that could not be read (not counted in the metrics).
    public let failures: [Failure]
}
