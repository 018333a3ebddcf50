import EmotionClassification
import FaceDetection
import Imaging
import Results

/// Detector and classifier in one process: every face found in a photo with its emotion scores.
public final class PhotoAnalyzer {
    public let locator: FaceLocator
    public let classifier: EmotionClassifier

    public init(locator: FaceLocator, classifier: EmotionClassifier) {
        self.locator = locator
        self.classifier = classifier
    }

    /// Faces in `frame`, in the detector's order, each classified from fer's crop of its box (and
    /// its mirror image, averaged, with `flipAveraged`).
    public func analyze(_ frame: DecodedFrame, flipAveraged: Bool = false) -> [FaceResult] {
        let located = locator.locate(in: frame, still: true)
        let scores = classifier.classify(located.map(\.crop), flipAveraged: flipAveraged)
        return zip(located, scores).map { FaceResult(face: $0.0.face, scores: $0.1) }
    }
}
