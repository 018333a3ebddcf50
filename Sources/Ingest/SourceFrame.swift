#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One frame read from a source: the encoded image as it will be sent (JPEG, or a PNG still's
/// file bytes) and what the frame header needs, so that the ingest never decodes an image.
public struct SourceFrame: Sendable, Equatable {
    /// Position in the source, from 0; it keeps counting across loops so that (source, seq)
    /// stays a unique key for the recorder.
    public var seq: UInt64
    public var image: [UInt8]
    /// Upright size (after the EXIF orientation a JPEG carries), as the detector will see it.
    public var width: Int
    public var height: Int
    /// Microseconds since the Unix epoch when the frame was read (wall clock: files have no
    /// capture time the pipeline could trust).
    public var capturedAt: Int64

    public init(seq: UInt64, image: [UInt8], width: Int, height: Int, capturedAt: Int64) {
        self.seq = seq
        self.image = image
        self.width = width
        self.height = height
        self.capturedAt = capturedAt
    }

    /// The wall clock now, in microseconds since the Unix epoch.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1_000
    }
}
