/// Why an image could not be read. Messages name the input and the reason; `rawCode` keeps the
/// underlying library's or the system's error code where there is one.
public enum ImageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file could not be opened or read (`errno` kept).
    case unreadableFile(path: String, errno: Int32)
    /// There were no bytes at all.
    case empty(source: String)
    /// The bytes are not in a format Moodwire reads.
    case unsupportedFormat(source: String)
    /// The decoder rejected the data; `code` is the library's error code (TurboJPEG: 0 warning,
    /// 1 fatal; libspng: its error number).
    case corrupt(source: String, reason: String, code: Int32)
    /// Zero or absurd dimensions, or more pixels than the configured cap.
    case badDimensions(source: String, width: Int, height: Int, maxPixels: Int)

    public var description: String {
        switch self {
        case let .unreadableFile(path, errno):
            return "\(path): cannot read file (\(String(cString: strerror(errno))), errno \(errno))"
        case let .empty(source):
            return "\(source): empty input, no image data"
        case let .unsupportedFormat(source):
            return "\(source): not a JPEG or PNG image"
        case let .corrupt(source, reason, code):
            return "\(source): corrupt or truncated image data (\(reason); decoder code \(code))"
        case let .badDimensions(source, width, height, maxPixels):
            if width <= 0 || height <= 0 {
                return "\(source): invalid image dimensions \(width)x\(height)"
            }
            return "\(source): image is \(width)x\(height) pixels, over the limit of \(maxPixels) pixels"
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
