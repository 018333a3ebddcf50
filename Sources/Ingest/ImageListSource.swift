import Imaging
import Logging
import PipelineProtocol

/// Frames from a list of image files (one image, a folder or a glob's matches), read one at a time
/// in order and sent as their file bytes. A file that cannot be read or is not a usable image is
/// skipped with a warning and counted: one bad file in a folder of thousands must not stop it.
public struct ImageListSource: FrameSource {
    public let name: String
    /// The images, in the order they are read.
    public let paths: [String]
    /// Start again at the first image after the last, seq numbers still increasing.
    public let loop: Bool
    public var producesStills: Bool { true }
    /// Files passed over so far: non-images found when listing, and files that could not be read
    /// or were not usable images when their turn came (counted again on each pass).
    public private(set) var skippedCount: Int

    private let logger: Logger
    private var index = 0
    private var nextSeq: UInt64 = 0
    private var framesThisPass = 0

    public var expectedFrameCount: Int? { paths.count }

    /// A source over `paths` as given (at least one); `skipped` counts files already passed over
    /// when the list was made.
    public init(
        name: String, paths: [String], loop: Bool = false, skipped: Int = 0,
        logger: Logger = Logger(label: "moodwire.ingest")
    ) throws(IngestError) {
        guard !paths.isEmpty else { throw .noReadableImages(source: name, skipped: skipped) }
        self.name = name
        self.paths = paths
        self.loop = loop
        self.skippedCount = skipped
        self.logger = logger
    }

    /// The JPEG and PNG images of `folder`, sorted by name; not recursive, hidden files left out.
    public init(
        name: String, folder: String, loop: Bool = false,
        logger: Logger = Logger(label: "moodwire.ingest")
    ) throws(IngestError) {
        let listing = try ImageFiles.images(in: folder, matching: nil, source: name, logger: logger)
        guard !listing.paths.isEmpty else { throw .noImages(source: name, folder: folder, skipped: listing.skipped) }
        try self.init(name: name, paths: listing.paths, loop: loop, skipped: listing.skipped, logger: logger)
    }

    /// The JPEG and PNG images matching `pattern`, a folder path whose last component holds the
    /// wildcards (`*`, `?`, `[...]`, as fnmatch(3) reads them), sorted by name.
    public init(
        name: String, glob pattern: String, loop: Bool = false,
        logger: Logger = Logger(label: "moodwire.ingest")
    ) throws(IngestError) {
        let (folder, filePattern) = Self.split(glob: pattern)
        let listing = try ImageFiles.images(in: folder, matching: filePattern, source: name, logger: logger)
        guard !listing.paths.isEmpty else { throw .noMatches(source: name, pattern: pattern, skipped: listing.skipped) }
        try self.init(name: name, paths: listing.paths, loop: loop, skipped: listing.skipped, logger: logger)
    }

    public mutating func next() throws(IngestError) -> SourceFrame? {
        while true {
            if index == paths.count {
                // A pass that gave nothing would make a looping source spin forever on bad files.
                guard framesThisPass > 0 else { throw .noReadableImages(source: name, skipped: skippedCount) }
                guard loop else { return nil }
                index = 0
                framesThisPass = 0
            }
            let path = paths[index]
            index += 1
            do throws(IngestError) {
                let frame = try read(path)
                framesThisPass += 1
                nextSeq += 1
                return frame
            } catch {
                skippedCount += 1
                logger.warning("skipping an image", metadata: ["source": "\(name)", "reason": "\(error)"])
            }
        }
    }

    /// Nothing is held open between frames.
    public func close() {}

    private func read(_ path: String) throws(IngestError) -> SourceFrame {
        let capturedAt = SourceFrame.now()
        let bytes = try ImageFiles.image(at: path, source: name)
        let header: ImageHeader
        do throws(ImageHeader.Invalid) {
            header = try ImageHeader.read(bytes, within: WireProtocol.imageLimits)
        } catch {
            throw .unusableImage(source: name, path: path, reason: error.reason)
        }
        return SourceFrame(seq: nextSeq, image: bytes, width: header.width, height: header.height, capturedAt: capturedAt)
    }

    /// A glob's folder (`.` when it has none) and its last component, the pattern.
    static func split(glob pattern: String) -> (folder: String, pattern: String) {
        guard let slash = pattern.lastIndex(of: "/") else { return (".", pattern) }
        let folder = String(pattern[..<slash])
        return (folder.isEmpty ? "/" : folder, String(pattern[pattern.index(after: slash)...]))
    }
}
