/// A point in frame pixels, with sub-pixel precision.
public struct FramePoint: Sendable, Equatable, Hashable {
    public var x: Float
    public var y: Float

    public init(x: Float, y: Float) {
        self.x = x
        self.y = y
    }
}

/// A face as a detector reports it and every stage carries and stores it: the box in whole pixels
/// of the upright frame (clipped to it), the detector's score, and the face's keypoints. The Haar
/// cascade has neither a score nor keypoints; BlazeFace has both.
public struct DetectedFace: Sendable, Equatable {
    /// The keypoints' names, in order (MediaPipe's; "right" is the subject's right).
    public static let keypointNames = ["right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear_tragion", "left_ear_tragion"]

    public var box: PixelRect
    /// The detector's confidence in 0...1; nil for a detector without one.
    public var score: Float?
    /// Either none or one per `keypointNames` entry, in frame pixels (not clipped: an ear may be
    /// outside the frame).
    public var keypoints: [FramePoint]

    public init(box: PixelRect, score: Float? = nil, keypoints: [FramePoint] = []) {
        precondition(keypoints.isEmpty || keypoints.count == Self.keypointNames.count, "no keypoints or all six")
        self.box = box
        self.score = score
        self.keypoints = keypoints
    }
}
