import Foundation
import Imaging
import Logging
import PipelineProtocol

/// One source as the user gives it, `[NAME=]PATH_OR_URL`, checked and classified before any frame
/// is read, so that a typo fails at start-up with a message instead of mid-run.
///
/// The kind is decided by what the path is, not by how it is spelled: a folder; a regular file
/// that starts like a JPEG or PNG (whatever its extension); any other regular file, left to
/// ffmpeg as a video; a path that does not exist but whose last component holds `*`, `?` or
/// `[`, as a glob. `rtsp://`, `rtsps://`, `http://`, `https://` and `v4l2:` are live sources.
///
/// A `NAME=` prefix is recognised when the text before the first `=` holds no `/`; a file whose
/// name contains `=` can be given as `./a=b.jpg`. Without a name, a file or folder is named by
/// its last path component and a glob by its folder's name and pattern (`faces/*.jpg`).
public struct SourceSpec: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// One JPEG or PNG file.
        case image(path: String)
        /// The JPEG and PNG files of a folder, sorted by name, not recursive.
        case folder(path: String)
        /// The JPEG and PNG files matching a pattern in the last path component, sorted by name.
        case glob(pattern: String)
        /// A video file, decoded by ffmpeg.
        case video(path: String)
        /// A camera or a stream, read by ffmpeg and reconnected when it fails. Its frames are
        /// never re-sent (a live source cannot be re-read): they are dropped when the pipeline is
        /// behind, so that results stay current.
        case live(url: LiveURL)
    }

    /// The id in every frame header (1 to 255 UTF-8 bytes, no control characters).
    public let name: String
    public let kind: Kind

    /// URL prefixes of the live sources, compared without case.
    public static let liveSchemes = ["rtsp://", "rtsps://", "http://", "https://", "v4l2:"]

    public init(name: String, kind: Kind) throws(IngestError) {
        try Self.validate(name: name)
        self.name = name
        self.kind = kind
    }

    /// For names already checked, or valid by construction.
    private init(validName: String, kind: Kind) {
        name = validName
        self.kind = kind
    }

    /// `NAME=LOCATION`, for logs.
    public var description: String {
        switch kind {
        case .image(let path), .folder(let path), .video(let path): "\(name)=\(path)"
        case .glob(let pattern): "\(name)=\(pattern)"
        case .live(let url): "\(name)=\(url.redacted)"
        }
    }

    /// Parses and classifies `[NAME=]PATH_OR_URL`, looking at the file system (the first bytes of
    /// a file tell an image from a video). A live source's URL is not checked here: a camera may
    /// be down when the ingest starts, and the ingest keeps trying.
    public static func parse(_ text: String) throws(IngestError) -> SourceSpec {
        guard !text.isEmpty else { throw .invalidSpec(text, reason: "empty source, expected [NAME=]PATH_OR_URL") }
        var givenName: String?
        var location = text
        if !isLive(text), let equals = text.firstIndex(of: "="), !text[..<equals].contains("/") {
            let name = String(text[..<equals])
            try validate(name: name)
            givenName = name
            location = String(text[text.index(after: equals)...])
        }
        guard !location.isEmpty else { throw .invalidSpec(text, reason: "no path or URL after the name") }
        if isLive(location) {
            let url = LiveURL(location)
            let name = givenName ?? url.defaultName
            if givenName == nil, let problem = problem(withName: name) {
                throw .invalidName(name, reason: "\(problem); give the source a name with NAME=\(url.redacted)")
            }
            return SourceSpec(validName: name, kind: .live(url: url))
        }
        let label = givenName ?? location
        if let scheme = urlScheme(location) {
            throw .invalidSpec(
                text,
                reason: "unsupported URL scheme \"\(scheme)\"; sources are paths or "
                    + liveSchemes.joined(separator: ", ") + " URLs")
        }

        let kind: Kind
        switch try ImageFiles.kind(of: location, source: label) {
        case .folder:
            kind = .folder(path: location)
        case .regularFile:
            let signature = try ImageFiles.contents(of: location, upTo: ImageFormat.signatureLength, source: label)
            kind = ImageFormat(prefix: signature) != nil ? .image(path: location) : .video(path: location)
        case .other:
            throw .unsupportedFileType(source: label, path: location)
        case .missing:
            let (folder, pattern) = ImageListSource.split(glob: location)
            guard pattern.contains(where: { "*?[".contains($0) }) else { throw .missingPath(source: label, path: location) }
            guard try ImageFiles.kind(of: folder, source: label) == .folder else {
                throw .missingPath(source: label, path: folder)
            }
            kind = .glob(pattern: location)
        }
        if let givenName { return SourceSpec(validName: givenName, kind: kind) }
        let name = defaultName(for: kind, location: location)
        if let problem = problem(withName: name) {
            throw .invalidName(name, reason: "\(problem); give the source a name with NAME=\(location)")
        }
        return SourceSpec(validName: name, kind: kind)
    }

    /// Checks a name: 1 to 255 UTF-8 bytes (what the wire header holds) without control
    /// characters (it is printed in logs and stored by the recorder).
    public static func validate(name: String) throws(IngestError) {
        if let problem = problem(withName: name) { throw .invalidName(name, reason: problem) }
    }

    /// What is wrong with `name`, nil when nothing is.
    private static func problem(withName name: String) -> String? {
        let bytes = name.utf8.count
        if bytes == 0 { return "a source name cannot be empty" }
        if bytes > WireProtocol.maxSourceBytes { return "\(bytes) UTF-8 bytes, the limit is \(WireProtocol.maxSourceBytes)" }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "a source name cannot contain control characters"
        }
        return nil
    }

    /// The specs with duplicate names made unique: the first keeps its name, later ones get
    /// `-2`, `-3`, … (skipping names already in use), so that every frame header's source id
    /// means one source. The order is kept.
    public static func uniqueNames(_ specs: [SourceSpec]) -> [SourceSpec] {
        var taken = Set(specs.map(\.name))
        var seen = Set<String>()
        return specs.map { spec in
            guard seen.contains(spec.name) else {
                seen.insert(spec.name)
                return spec
            }
            var suffix = 2
            while taken.contains(suffixed(spec.name, suffix)) { suffix += 1 }
            let name = suffixed(spec.name, suffix)
            taken.insert(name)
            seen.insert(name)
            return SourceSpec(validName: name, kind: spec.kind)
        }
    }

    /// Opens the source for reading (a live source starts capturing on its first read).
    public func open(
        _ options: SourceOptions = SourceOptions(),
        logger: Logger = Logger(label: "moodwire.ingest")
    ) throws(IngestError) -> any FrameSource {
        switch kind {
        case .image(let path):
            try ImageListSource(name: name, paths: [path], loop: options.loop, logger: logger)
        case .folder(let path):
            try ImageListSource(name: name, folder: path, loop: options.loop, logger: logger)
        case .glob(let pattern):
            try ImageListSource(name: name, glob: pattern, loop: options.loop, logger: logger)
        case .video(let path):
            try VideoFileSource(name: name, path: path, loop: options.loop, ffmpegPath: options.ffmpegPath, logger: logger)
        case .live(let url):
            try LiveStreamSource(name: name, url: url, options: options.live, ffmpegPath: options.ffmpegPath, logger: logger)
        }
    }

    private static func isLive(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return liveSchemes.contains { lowered.hasPrefix($0) }
    }

    /// The scheme of a `scheme://` URL (RFC 3986 scheme syntax), nil for a path.
    private static func urlScheme(_ text: String) -> String? {
        guard let separator = text.range(of: "://") else { return nil }
        let scheme = text[..<separator.lowerBound]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) })
        else { return nil }
        return String(scheme)
    }

    /// A file's or folder's last path component; a glob's folder name and pattern.
    private static func defaultName(for kind: Kind, location: String) -> String {
        let absolute = URL(fileURLWithPath: location).standardized
        guard case .glob = kind else { return absolute.lastPathComponent }
        let (folder, pattern) = ImageListSource.split(glob: location)
        return URL(fileURLWithPath: folder).standardized.lastPathComponent + "/" + pattern
    }

    /// `name` + `-suffix`, the name shortened on a character boundary to keep within 255 bytes.
    private static func suffixed(_ name: String, _ suffix: Int) -> String {
        let tail = "-\(suffix)"
        var base = Substring(name)
        while base.utf8.count + tail.utf8.count > WireProtocol.maxSourceBytes { base = base.dropLast() }
        return base + tail
    }
}
