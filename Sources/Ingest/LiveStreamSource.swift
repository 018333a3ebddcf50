import Foundation
import Imaging
import Logging
import Metrics
import PipelineProtocol
import Processes
import Synchronization
import Timing

/// A camera or network stream (`rtsp://`, `rtsps://`, `http(s)://`, `v4l2:/dev/videoN`), decoded
/// by an ffmpeg child process into JPEG frames like a video file, but read on a capture thread of
/// its own at the stream's pace: frames are timestamped as they arrive and wait in a small
/// buffer that drops the oldest, so a slow pipeline never slows or backs up the capture.
///
/// The capture thread watches the stream. When ffmpeg exits, or no frame arrives for
/// `stallTimeout`, it stops ffmpeg, waits with capped exponential back-off and starts it again,
/// for as long as the source is open: a live source never ends by itself.
///
/// Sequence numbers are capture times in microseconds (made strictly increasing), so that a
/// restarted ingest never reuses a (source, seq) the recorder already holds.
public final class LiveStreamSource: FrameSource {
    public var producesStills: Bool { false }
    public let name: String
    public let url: LiveURL
    /// The ffmpeg executable that is run.
    public let ffmpeg: String
    public let expectedFrameCount: Int? = nil

    private let capture: LiveCapture
    private let frames: LatestFrames
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    public init(
        name: String, url: LiveURL, options: LiveStreamOptions = LiveStreamOptions(), ffmpegPath: String? = nil,
        logger: Logger = Logger(label: "moodwire.ingest")
    ) throws(IngestError) {
        guard let ffmpeg = ChildProcess.locate(ffmpegPath ?? "ffmpeg", searchPath: ProcessInfo.processInfo.environment["PATH"]) else {
            throw .ffmpegNotFound(source: name, executable: ffmpegPath ?? "ffmpeg")
        }
        self.name = name
        self.url = url
        self.ffmpeg = ffmpeg
        frames = LatestFrames(capacity: options.bufferedFrames)
        capture = LiveCapture(name: name, url: url, ffmpeg: ffmpeg, options: options, frames: frames, logger: logger)
    }

    deinit {
        close()
    }

    /// The next frame, waiting as long as it takes (the stream may be reconnecting); nil once
    /// closed. The ingest uses `next(waitingUpTo:)` instead, to keep serving acknowledgements.
    public func next() throws(IngestError) -> SourceFrame? {
        while !capture.isStopped {
            if let frame = next(waitingUpTo: .milliseconds(500)) { return frame }
        }
        return nil
    }

    /// The oldest buffered frame, waiting up to `wait` for one. Starts capturing on first use.
    public func next(waitingUpTo wait: Duration) -> SourceFrame? {
        startIfNeeded()
        return frames.pop(waitingUpTo: wait)
    }

    /// Frames dropped because the pipeline did not take them before newer ones arrived.
    public var droppedFrames: Int { frames.dropped }

    /// What the stream is doing now.
    public var state: LiveSourceState { capture.state }

    /// Times the stream was restarted after a failure.
    public var reconnects: Int { capture.reconnects }

    /// Stops capturing (ffmpeg is stopped and reaped) and waits for the capture thread.
    public func close() {
        capture.stop()
        frames.close()
        if thread != nil {
            finished.wait()
            thread = nil
        }
    }

    private func startIfNeeded() {
        guard thread == nil, !capture.isStopped else { return }
        let capture = self.capture, finished = self.finished
        let thread = Thread {
            capture.run()
            finished.signal()
        }
        thread.name = "moodwire.capture.\(name)"
        thread.start()
        self.thread = thread
    }
}

/// The capture thread's loop and the state it shares with the reader.
private final class LiveCapture: Sendable {
    let name: String
    let url: LiveURL
    let ffmpeg: String
    let options: LiveStreamOptions
    let frames: LatestFrames
    let logger: Logger
    private let shared = Mutex(Status(state: .connecting(attempt: 1)))
    private let wake = DispatchSemaphore(value: 0)
    private let reconnectCounter: Counter
    private let upGauge: Gauge

    private struct Status {
        var state: LiveSourceState
        var reconnects = 0
        var stopped = false
    }

    /// How many of ffmpeg's last standard error lines a failure quotes.
    static let quotedErrorLines = 3
    /// How long one wait for output lasts, so that a stop request is noticed quickly.
    static let pollSlice: Int32 = 200

    init(name: String, url: LiveURL, ffmpeg: String, options: LiveStreamOptions, frames: LatestFrames, logger: Logger) {
        self.name = name
        self.url = url
        self.ffmpeg = ffmpeg
        self.options = options
        self.frames = frames
        self.logger = logger
        reconnectCounter = Counter(label: "moodwire.ingest.reconnects", dimensions: [("source", name)])
        upGauge = Gauge(label: "moodwire.ingest.source_streaming", dimensions: [("source", name)])
    }

    /// ffmpeg's arguments: the input options for the kind of location, then each frame once
    /// (`passthrough`) as a full-range 4:2:0 JPEG at quality 3 on standard output.
    var arguments: [String] {
        ["-hide_banner", "-loglevel", "error", "-nostdin"] + url.ffmpegInputArguments(ioTimeout: options.stallTimeout)
            + [
                "-map", "0:v:0", "-fps_mode", "passthrough", "-pix_fmt", "yuvj420p",
                "-c:v", "mjpeg", "-q:v", "3", "-f", "image2pipe", "-"
            ]
    }

    var state: LiveSourceState { shared.withLock(\.state) }
    var reconnects: Int { shared.withLock(\.reconnects) }
    var isStopped: Bool { shared.withLock(\.stopped) }

    func stop() {
        shared.withLock { $0.stopped = true }
        wake.signal()
    }

    func run() {
        var backoff = ReconnectBackoff(initial: options.initialBackoff, maximum: options.maximumBackoff)
        var attempt = 1
        var lastSeq: UInt64 = 0
        while !isStopped {
            setState(.connecting(attempt: attempt))
            let failure: String?
            do throws(ChildProcessError) {
                let child = try ChildProcess(
                    executable: ffmpeg, arguments: arguments, options: .init(standardOutput: .pipe, standardError: .tail(limit: 8192)))
                logger.debug("ffmpeg started", metadata: ["source": "\(name)", "url": "\(url)", "pid": "\(child.pid)"])
                failure = stream(from: child, lastSeq: &lastSeq, backoff: &backoff, attempt: &attempt)
                child.stop(timeout: .seconds(2))
            } catch {
                failure = "cannot start \(ffmpeg): \(error.reason)"
            }
            guard let failure, !isStopped else { break }
            let wait = backoff.failed()
            attempt += 1
            shared.withLock { $0.reconnects += 1 }
            reconnectCounter.increment()
            setState(.backingOff(lastError: failure, retryIn: wait))
            _ = wake.wait(timeout: .now() + .nanoseconds(Int(wait.inSeconds * 1e9)))
        }
        setState(.closed)
    }

    /// Reads frames until the stream fails (returns why) or a stop is requested (returns nil).
    private func stream(
        from child: ChildProcess, lastSeq: inout UInt64, backoff: inout ReconnectBackoff,
        attempt: inout Int
    ) -> String? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var splitter = JPEGStreamSplitter()
        var lastArrival = ContinuousClock.now
        var streaming = false
        while !isStopped {
            let silence = ContinuousClock.now - lastArrival
            if silence >= options.stallTimeout {
                return "no frame for \(Int(options.stallTimeout.inSeconds.rounded())) s" + (streaming ? "" : " after starting ffmpeg")
            }
            let slice = min(Self.pollSlice, Int32(clamping: (options.stallTimeout - silence).timeoutMilliseconds))
            guard child.waitForOutput(timeoutMilliseconds: max(slice, 1)) else { continue }
            let count: Int
            do throws(ChildProcessError) {
                count = try child.readOutput(into: buffer)
            } catch {
                return "reading ffmpeg's output: \(error.reason)"
            }
            if count == 0 {
                let status = child.waitForExit().shellStatus
                let stderr = url.redacting(child.errorLines(last: Self.quotedErrorLines).joined(separator: "; "))
                let ending = status == 0 ? "the stream ended" : "ffmpeg exited with status \(status)"
                return stderr.isEmpty ? ending : ending + ": " + stderr
            }
            let images: [[UInt8]]
            do throws(JPEGStreamSplitter.StreamError) {
                images = try splitter.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            } catch {
                return "ffmpeg's output is not a JPEG stream: \(error)"
            }
            for image in images {
                guard let header = try? ImageHeader.read(image, within: WireProtocol.imageLimits) else { continue }
                let capturedAt = SourceFrame.now()
                lastSeq = max(lastSeq + 1, UInt64(max(capturedAt, 0)))
                frames.push(SourceFrame(seq: lastSeq, image: image, width: header.width, height: header.height, capturedAt: capturedAt))
                lastArrival = ContinuousClock.now
                if !streaming {
                    streaming = true
                    backoff.succeeded()
                    attempt = 1
                    setState(.streaming)
                }
            }
        }
        return nil
    }

    private func setState(_ state: LiveSourceState) {
        let previous = shared.withLock { shared in
            defer { shared.state = state }
            return shared.state
        }
        upGauge.record(state == .streaming ? 1 : 0)
        options.stateChanged(name, state)
        switch state {
        case .streaming:
            logger.info("live source streaming", metadata: ["source": "\(name)", "url": "\(url)"])
        case .backingOff(let error, let wait):
            logger.warning(
                "live source failed; reconnecting",
                metadata: [
                    "source": "\(name)", "url": "\(url)", "error": "\(error)", "retry_in_s": "\(wait.inSeconds)"
                ])
        case .connecting(let attempt) where attempt > 1 || previous != .connecting(attempt: 1):
            logger.debug("live source connecting", metadata: ["source": "\(name)", "attempt": "\(attempt)"])
        default:
            break
        }
    }
}
