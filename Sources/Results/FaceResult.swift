import Imaging

/// One face of a photo: where it is and how it scores.
public struct FaceResult: Sendable, Equatable {
    public let box: PixelRect
    public let scores: EmotionScores

    public init(box: PixelRect, scores: EmotionScores) {
        self.box = box
        self.scores = scores
    }
}
