import Imaging
import Logging
import PipelineProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file system side of image sources, with POSIX calls rather than Foundation's: errors keep
/// their errno for the message, and a file too big to send is refused before it is read.
enum ImageFiles {
    /// What a path is, following symbolic links.
    enum Kind: Equatable {
        case missing
        case regularFile
        case folder
        case other
    }

    /// The kind of `path`; a failure other than "does not exist" is `.unreadable`.
    static func kind(of path: String, source: String) throws(IngestError) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return .missing }
            throw .unreadable(source: source, path: path, errno: errno)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .folder
        default: return .other
        }
    }

    /// At most `limit` bytes from the start of `path`: the whole file when it is smaller.
    static func contents(of path: String, upTo limit: Int, source: String) throws(IngestError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(source: source, path: path, errno: errno) }
        defer { close(fd) }
        // Sized by the file's length (plus one byte, to see the end), grown if it grows meanwhile.
        var info = stat()
        let length = fstat(fd, &info) == 0 ? max(Int(info.st_size), 0) : 0
        var bytes = [UInt8](repeating: 0, count: min(length + 1, limit))
        var filled = 0
        while filled < limit {
            if filled == bytes.count {
                bytes += repeatElement(0, count: min(bytes.count, limit - bytes.count))
            }
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(source: source, path: path, errno: errno)
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// The whole of an image file, refused when it is over the wire's image size limit.
    static func image(at path: String, source: String) throws(IngestError) -> [UInt8] {
        let bytes = try contents(of: path, upTo: WireProtocol.maxImageBytes + 1, source: source)
        guard bytes.count <= WireProtocol.maxImageBytes else {
            throw .unusableImage(source: source, path: path, reason: "file is over the \(WireProtocol.maxImageBytes >> 20) MiB image limit")
        }
        return bytes
    }

    /// The JPEG and PNG files of `folder` whose names match `pattern` (fnmatch(3); every file
    /// without one), sorted by name byte by byte. Not recursive; hidden files (".name") are left
    /// out as a shell's `*` leaves them out. Other files are logged and counted in `skipped`.
    static func images(
        in folder: String, matching pattern: String?, source: String,
        logger: Logger
    ) throws(IngestError) -> (paths: [String], skipped: Int) {
        guard let directory = opendir(folder) else { throw .unreadable(source: source, path: folder, errno: errno) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard !name.hasPrefix(".") else { continue }
            if let pattern, fnmatch(pattern, name, FNM_PERIOD) != 0 { continue }
            names.append(name)
        }
        closedir(directory)
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }

        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        var paths: [String] = []
        var skipped = 0
        for name in names {
            let path = prefix + name
            do throws(IngestError) {
                switch try kind(of: path, source: source) {
                case .folder:
                    continue  // not recursive: subfolders are not files to skip
                case .regularFile:
                    let signature = try contents(of: path, upTo: ImageFormat.signatureLength, source: source)
                    guard ImageFormat(prefix: signature) != nil else {
                        throw .unusableImage(source: source, path: path, reason: "not a JPEG or PNG image")
                    }
                    paths.append(path)
                case .missing:
                    throw .missingPath(source: source, path: path)
                case .other:
                    throw .unsupportedFileType(source: source, path: path)
                }
            } catch {
                skipped += 1
                logger.warning("skipping a file", metadata: ["source": "\(source)", "reason": "\(error)"])
            }
        }
        return (paths, skipped)
    }
}
