import EmotionClassification
import FaceDetection
import Imaging
import Results

/// Detector and classifier in one process: every face found in a photo with its emotion scores.
public final class PhotoAnalyzer {
    public let detector: FaceDetector
    public let classifier: EmotionClassifier

    public init(detector: FaceDetector, classifier: EmotionClassifier) {
        self.detector = detector
        self.classifier = classifier
    }

    /// Faces in `image`, in the detector's order, each classified from fer's crop of its box (and
    /// its mirror image, averaged, with `flipAveraged`).
    public func analyze(_ image: GrayImage, options: DetectionOptions = DetectionOptions(), flipAveraged: Bool = false) -> [FaceResult] {
        let boxes = detector.detect(image, options: options)
        let pad = FaceCrop.padValue(of: image)
        var kept: [(box: PixelRect, crop: GrayImage)] = []
        for box in boxes {
            if let crop = FaceCrop.crop(image, box: box, padValue: pad) { kept.append((box, crop)) }
        }
        let scores = classifier.classify(kept.map(\.crop), flipAveraged: flipAveraged)
        return zip(kept, scores).map { FaceResult(box: $0.0.box, scores: $0.1) }
    }
}
