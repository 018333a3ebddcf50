import EmotionClassification
import Foundation
import Imaging
import PipelineProtocol
import Results
import Timing

/// The classifier stage's work on a batch of frames' faces, without the sockets: every crop of
/// every frame goes through the network in one call, so faces that arrive together use the
/// batched runtime. Zero-face frames pass through with no faces.
public final class ClassifierWorker {
    public let classifier: EmotionClassifier
    public let flipAveraged: Bool

    public init(classifier: EmotionClassifier, flipAveraged: Bool = false) {
        self.classifier = classifier
        self.flipAveraged = flipAveraged
    }

    /// One results message per frame, in the order given.
    public func results(for frames: [FacesMessage]) -> [ResultsMessage] {
        let start = ContinuousClock.now
        var crops: [GrayImage] = []
        for frame in frames {
            for index in frame.faces.indices { crops.append(frame.crop(index)) }
        }
        let scores = crops.isEmpty ? [] : classifier.classify(crops, flipAveraged: flipAveraged)
        let micros = (ContinuousClock.now - start).wireMicroseconds
        var next = 0
        return frames.map { frame in
            var probabilities: [Float] = []
            probabilities.reserveCapacity(frame.faces.count * Emotion.allCases.count)
            for _ in frame.faces {
                probabilities += scores[next].probabilities
                next += 1
            }
            var header = frame.header
            header.classifyMicros = micros
            return ResultsMessage(header: header, faces: frame.faces, probabilities: probabilities)
        }
    }
}
