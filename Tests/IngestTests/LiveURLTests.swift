import TestSupport
import Testing

@testable import Ingest

@Suite("Live URLs, back-off and the capture buffer")
struct LiveURLTests {
    @Test(
        "Passwords never appear in what is shown",
        arguments: [
            ("rtsp://admin:s3cret@10.0.0.7:554/stream1", "rtsp://admin:***@10.0.0.7:554/stream1"),
            ("rtsps://user:p%40ss@cam/x?y=1", "rtsps://user:***@cam/x?y=1"),
            ("rtsp://user@cam/x", "rtsp://user@cam/x"),
            ("http://cam/video.mjpg?user=a@b", "http://cam/video.mjpg?user=a@b"),
            ("v4l2:/dev/video0", "v4l2:/dev/video0")
        ])
    func redaction(location: String, shown: String) {
        let url = LiveURL(location)
        #expect(url.redacted == shown)
        #expect("\(url)" == shown)
        #expect(url.location == location)
    }

    @Test func ffmpegMessagesAreRedacted() {
        let url = LiveURL("rtsp://admin:s3cret@10.0.0.7/stream1")
        let message = url.redacting("rtsp://admin:s3cret@10.0.0.7/stream1: 401 Unauthorized (password s3cret)")
        #expect(message == "rtsp://admin:***@10.0.0.7/stream1: 401 Unauthorized (password ***)")
        #expect(LiveURL("rtsp://cam/x").redacting("rtsp://cam/x: refused") == "rtsp://cam/x: refused")
    }

    @Test func ffmpegInputsPerKind() {
        #expect(
            LiveURL("rtsp://cam/x").ffmpegInputArguments(ioTimeout: .seconds(5))
                == ["-rtsp_transport", "tcp", "-timeout", "5000000", "-i", "rtsp://cam/x"])
        #expect(LiveURL("v4l2:/dev/video2").ffmpegInputArguments(ioTimeout: .seconds(5)) == ["-f", "v4l2", "-i", "/dev/video2"])
        #expect(
            LiveURL("https://cam/live.m3u8").ffmpegInputArguments(ioTimeout: .seconds(1))
                == ["-rw_timeout", "1000000", "-i", "https://cam/live.m3u8"])
    }

    @Test func backoffDoublesUpToItsCapAndResetsOnSuccess() {
        var backoff = ReconnectBackoff(initial: .milliseconds(500), maximum: .seconds(3))
        let waits = (0..<5).map { _ in backoff.failed() }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(3), .seconds(3)])
        backoff.succeeded()
        #expect(backoff.failed() == .milliseconds(500))
    }

    @Test func captureBufferKeepsTheNewestAndCountsDrops() {
        let buffer = LatestFrames(capacity: 3)
        for seq in 0..<5 { buffer.push(SourceFrame(seq: UInt64(seq), image: [], width: 1, height: 1, capturedAt: 0)) }
        #expect(buffer.dropped == 2)
        #expect(buffer.count == 3)
        #expect((0..<3).compactMap { _ in buffer.pop(waitingUpTo: .zero)?.seq } == [2, 3, 4])
        let start = ContinuousClock.now
        #expect(buffer.pop(waitingUpTo: .milliseconds(50)) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(50))
        buffer.close()
        #expect(buffer.pop(waitingUpTo: .seconds(5)) == nil)
    }
}
