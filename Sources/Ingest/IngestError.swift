#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a source could not be set up or read. Every description names the source (its name, or the
/// text the user gave when the name is what is wrong), so that a message in a log of many sources
/// says which one failed and what the user can do about it.
public enum IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source text is not `[NAME=]PATH_OR_URL` (e.g. empty, or an unknown URL scheme).
    case invalidSpec(String, reason: String)
    /// A source name must fit the wire header and read well in logs.
    case invalidName(String, reason: String)
    /// The path (or a glob's folder) does not exist.
    case missingPath(source: String, path: String)
    /// The path exists but could not be opened or read (`errno` kept).
    case unreadable(source: String, path: String, errno: Int32)
    /// The path is neither a regular file nor a folder (a device, a socket, a FIFO).
    case unsupportedFileType(source: String, path: String)
    /// A folder without a single JPEG or PNG image; `skipped` other files were passed over.
    case noImages(source: String, folder: String, skipped: Int)
    /// A glob pattern that matched no JPEG or PNG image; `skipped` matching files were not images.
    case noMatches(source: String, pattern: String, skipped: Int)
    /// A whole pass over the image list gave no frame: every file became unreadable or unusable.
    case noReadableImages(source: String, skipped: Int)
    /// An image that cannot be sent: not JPEG or PNG, a broken header, or over the wire limits.
    case unusableImage(source: String, path: String, reason: String)
    /// The ffmpeg (or ffprobe) executable is missing or not executable.
    case ffmpegNotFound(source: String, executable: String)
    /// ffmpeg could not be started at all.
    case ffmpegLaunchFailed(source: String, executable: String, reason: String)
    /// ffmpeg exited with a failure: `stderr` holds the last lines it wrote.
    case ffmpegFailed(source: String, path: String, status: Int32, stderr: String)
    /// ffmpeg ran successfully but decoded no frame at all.
    case noVideoFrames(source: String, path: String, stderr: String)
    /// ffmpeg's output is not a sequence of JPEG images.
    case malformedVideoStream(source: String, path: String, error: JPEGStreamSplitter.StreamError)

    public var description: String {
        switch self {
        case let .invalidSpec(text, reason):
            return "source \"\(text)\": \(reason)"
        case let .invalidName(name, reason):
            return "source name \"\(name.debugDescriptionWithoutQuotes)\": \(reason)"
        case let .missingPath(source, path):
            return "source \(source): \(path) does not exist"
        case let .unreadable(source, path, code):
            return "source \(source): cannot read \(path) (\(String(cString: strerror(code))), errno \(code))"
        case let .unsupportedFileType(source, path):
            return "source \(source): \(path) is not a regular file or a folder (for a camera, write v4l2:\(path))"
        case let .noImages(source, folder, skipped):
            let note = skipped == 0 ? "" : " (\(skipped) other \(skipped == 1 ? "file" : "files") skipped)"
            return "source \(source): the folder \(folder) has no JPEG or PNG images" + note
        case let .noMatches(source, pattern, skipped):
            let note = skipped == 0 ? "" : " (\(skipped) matching \(skipped == 1 ? "file is" : "files are") not images)"
            return "source \(source): no JPEG or PNG image matches \(pattern)" + note
        case let .noReadableImages(source, skipped):
            return "source \(source): none of its images could be read (\(skipped) skipped)"
        case let .unusableImage(source, path, reason):
            return "source \(source): \(path): \(reason)"
        case let .ffmpegNotFound(source, executable):
            return "source \(source): \(executable) not found or not executable; install ffmpeg (apt-get install ffmpeg) or give its path"
        case let .ffmpegLaunchFailed(source, executable, reason):
            return "source \(source): cannot start \(executable): \(reason)"
        case let .ffmpegFailed(source, path, status, stderr):
            return "source \(source): ffmpeg could not read \(path) (exit status \(status))" + Self.stderrNote(stderr)
        case let .noVideoFrames(source, path, stderr):
            return "source \(source): ffmpeg decoded no video frame from \(path)" + Self.stderrNote(stderr)
        case let .malformedVideoStream(source, path, error):
            return "source \(source): ffmpeg's output for \(path) is not a JPEG stream: \(error)"
        }
    }

    private static func stderrNote(_ stderr: String) -> String {
        stderr.isEmpty ? "" : ": " + stderr
    }
}

private extension String {
    /// The string with control characters escaped, so that a bad name cannot break a log line.
    var debugDescriptionWithoutQuotes: String {
        String(debugDescription.dropFirst().dropLast())
    }
}
