import Imaging

/// One face of a photo or frame: where the detector found it and how it scores.
public struct FaceResult: Sendable, Equatable {
    public let face: DetectedFace
    public let scores: EmotionScores

    public init(face: DetectedFace, scores: EmotionScores) {
        self.face = face
        self.scores = scores
    }

    public var box: PixelRect { face.box }
}
