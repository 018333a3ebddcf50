/// Parameters of `FaceDetector.detect`, with OpenCV's `detectMultiScale` meanings.
public struct DetectionOptions: Sendable, Equatable {
    /// How much the window grows between pyramid levels (OpenCV `scaleFactor`, > 1).
    public var scaleFactor: Double = 1.1
    /// How many raw detections a group needs (more than this many) to be kept (`minNeighbors`).
    public var minNeighbors: Int = 5
    /// Smallest face side in pixels (`minSize`).
    public var minSize: Int = 30
    /// Largest face side in pixels (`maxSize`); nil for the image size.
    public var maxSize: Int?

    public init(scaleFactor: Double = 1.1, minNeighbors: Int = 5, minSize: Int = 30, maxSize: Int? = nil) {
        self.scaleFactor = scaleFactor
        self.minNeighbors = minNeighbors
        self.minSize = minSize
        self.maxSize = maxSize
    }
}
