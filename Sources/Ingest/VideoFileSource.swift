import Foundation
import Imaging
import Logging
import PipelineProtocol
import Processes

/// Frames of a video file, decoded by ffmpeg in a child process that re-encodes each frame as a
/// JPEG on its standard output; this source splits that stream into images. Running ffmpeg rather
/// than linking libav keeps every container and codec Debian's ffmpeg reads, keeps a crashing
/// decoder out of the ingest, and needs no C bindings.
///
/// ffmpeg is started on the first `next()`, and again at the end of each pass when looping.
public final class VideoFileSource: FrameSource {
    public var producesStills: Bool { false }
    public let name: String
    public let path: String
    /// Start again at the first frame after the last (ffmpeg is restarted), seq numbers still
    /// increasing.
    public let loop: Bool
    /// The ffmpeg executable that is run.
    public let ffmpeg: String
    public let expectedFrameCount: Int?

    /// How many of ffmpeg's last standard error lines an error message quotes.
    static let quotedErrorLines = 5
    /// Bytes asked of the pipe per read: a whole typical frame at once.
    static let readSize = 1 << 20

    private let logger: Logger
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: VideoFileSource.readSize, alignment: 16)
    private var child: ChildProcess?
    private var splitter = JPEGStreamSplitter()
    private var ready: [[UInt8]] = []
    private var readyIndex = 0
    private var nextSeq: UInt64 = 0
    private var framesThisRun = 0
    private var finished = false

    /// A source over the video at `path`. `ffmpegPath` is the executable, or a name looked up
    /// in PATH (default "ffmpeg"); ffprobe is looked for beside it, then in PATH, to count frames.
    public init(
        name: String, path: String, loop: Bool = false, ffmpegPath: String? = nil,
        logger: Logger = Logger(label: "moodwire.ingest")
    ) throws(IngestError) {
        let searchPath = ProcessInfo.processInfo.environment["PATH"]
        guard let ffmpeg = ChildProcess.locate(ffmpegPath ?? "ffmpeg", searchPath: searchPath) else {
            throw .ffmpegNotFound(source: name, executable: ffmpegPath ?? "ffmpeg")
        }
        self.name = name
        self.path = path
        self.loop = loop
        self.ffmpeg = ffmpeg
        self.logger = logger
        let sibling = URL(fileURLWithPath: ffmpeg).deletingLastPathComponent().appendingPathComponent("ffprobe").path
        let ffprobe = ChildProcess.locate(sibling, searchPath: nil) ?? ChildProcess.locate("ffprobe", searchPath: searchPath)
        expectedFrameCount = ffprobe.flatMap { VideoProbe.frameCount(of: path, ffprobe: $0) }
    }

    deinit {
        child?.stop(timeout: .seconds(2))
        buffer.deallocate()
    }

    /// The running ffmpeg's process id, for tests that check it is reaped.
    var processIdentifier: Int32? { child?.pid }

    /// ffmpeg's arguments. `file:` keeps a path with a colon from being read as a protocol; only
    /// the first video stream is decoded, each frame once (`passthrough`: no frame duplicated or
    /// dropped to fit a constant rate); full-range 4:2:0 (`yuvj420p`, what the MJPEG encoder
    /// expects; a limited-range format would be refused or converted with a warning) at quality 2,
    /// nearly lossless, so that the detector sees what the video holds.
    var arguments: [String] {
        [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-i", "file:" + path,
            "-map", "0:v:0", "-fps_mode", "passthrough", "-pix_fmt", "yuvj420p",
            "-c:v", "mjpeg", "-q:v", "2", "-f", "image2pipe", "-"
        ]
    }

    public func next() throws(IngestError) -> SourceFrame? {
        do throws(IngestError) {
            while true {
                if readyIndex < ready.count {
                    readyIndex += 1
                    return try frame(ready[readyIndex - 1])
                }
                if finished { return nil }
                let child = if let running = self.child { running } else { try start() }
                let count: Int
                do throws(ChildProcessError) {
                    count = try child.readOutput(into: buffer)
                } catch {
                    throw .ffmpegFailed(source: name, path: path, status: -1, stderr: "reading its output: \(error.reason)")
                }
                if count == 0 {
                    try endRun()
                    continue
                }
                do throws(JPEGStreamSplitter.StreamError) {
                    ready = try splitter.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                    readyIndex = 0
                } catch {
                    throw .malformedVideoStream(source: name, path: path, error: error)
                }
            }
        } catch {
            close()
            throw error
        }
    }

    /// Stops ffmpeg if it runs; the source then ends.
    public func close() {
        child?.stop(timeout: .seconds(2))
        child = nil
        finished = true
        ready = []
    }

    private func start() throws(IngestError) -> ChildProcess {
        do throws(ChildProcessError) {
            let started = try ChildProcess(
                executable: ffmpeg, arguments: arguments, options: .init(standardOutput: .pipe, standardError: .tail(limit: 8192)))
            child = started
            logger.debug("ffmpeg started", metadata: ["source": "\(name)", "pid": "\(started.pid)"])
            return started
        } catch {
            throw .ffmpegLaunchFailed(source: name, executable: ffmpeg, reason: error.reason)
        }
    }

    /// ffmpeg's output ended: checks how it exited and that the stream ended between images, then
    /// finishes the source or, when looping, lets the next call start ffmpeg again.
    private func endRun() throws(IngestError) {
        guard let child else { return }
        self.child = nil
        let status = child.waitForExit().shellStatus
        let stderr = child.errorLines(last: Self.quotedErrorLines).joined(separator: "; ")
        guard status == 0 else { throw .ffmpegFailed(source: name, path: path, status: status, stderr: stderr) }
        do throws(JPEGStreamSplitter.StreamError) {
            try splitter.finish()
        } catch {
            throw .malformedVideoStream(source: name, path: path, error: error)
        }
        // A run without frames would make a looping source restart ffmpeg forever.
        guard framesThisRun > 0 else { throw .noVideoFrames(source: name, path: path, stderr: stderr) }
        if !stderr.isEmpty {
            // Decoding errors in a damaged file are not fatal to ffmpeg: the frames it could
            // decode were sent, and the user should know some were not.
            logger.warning("ffmpeg reported errors", metadata: ["source": "\(name)", "stderr": "\(stderr)"])
        }
        splitter = JPEGStreamSplitter()
        framesThisRun = 0
        finished = !loop
    }

    private func frame(_ image: [UInt8]) throws(IngestError) -> SourceFrame {
        let header: ImageHeader
        do throws(ImageHeader.Invalid) {
            header = try ImageHeader.read(image, within: WireProtocol.imageLimits)
        } catch {
            throw .unusableImage(source: name, path: "\(path) frame \(framesThisRun)", reason: error.reason)
        }
        defer {
            nextSeq += 1
            framesThisRun += 1
        }
        return SourceFrame(seq: nextSeq, image: image, width: header.width, height: header.height, capturedAt: SourceFrame.now())
    }
}
