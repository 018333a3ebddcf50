/// A sequential reader of frames. The ingest keeps the frames it has sent until they are
/// acknowledged, so a source never goes back: it only reads the next frame.
///
/// Not `Sendable`: a source belongs to the thread that reads it. Open it there from its
/// `SourceSpec`, which is `Sendable`.
public protocol FrameSource {
    /// The source id in every frame header: 1 to 255 UTF-8 bytes, unique among the sources.
    var name: String { get }
    /// Frames in one pass when known cheaply (images listed; a video's frame count from its
    /// container, or duration × frame rate), for progress; nil when unknown. With looping, the
    /// source repeats this many frames.
    var expectedFrameCount: Int? { get }
    /// The next frame, or nil at the end (never, when looping). An error ends the source.
    mutating func next() throws(IngestError) -> SourceFrame?
    /// Releases what the source holds (a child process); next() must not be called after it.
    func close()
    /// Whether its frames are photos rather than video frames (the detector may search them harder).
    var producesStills: Bool { get }
}
