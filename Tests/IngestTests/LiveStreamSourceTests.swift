import Foundation
import TestSupport
import Testing

@testable import Ingest
@testable import Messaging
@testable import PipelineProtocol

/// A live source against a real RTSP server (GStreamer's, through Debian's python3-gi) on
/// loopback: frames arrive with capture timestamps; the server is stopped and the source
/// reports the failure and backs off; the server comes back and frames resume within 10 s.
@Suite("Live stream source", .serialized, .needsFFmpeg, .needsRTSPServer)
struct LiveStreamSourceTests {
    @Test func reconnectsAfterTheServerRestarts() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let image = try writeFile("face.jpg", in: folder, try makeJPEG(width: 320, height: 240))
        let port = try RTSPTestServer.freePort()
        var server = try RTSPTestServer(port: port, image: image, user: "viewer", password: "s3cret")
        defer { server.stop() }

        let states = StateLog()
        let options = LiveStreamOptions(
            stallTimeout: .seconds(3), initialBackoff: .milliseconds(200), maximumBackoff: .seconds(1),
            stateChanged: { states.append($1) })
        let source = try LiveStreamSource(name: "door", url: LiveURL("rtsp://viewer:s3cret@127.0.0.1:\(port)/cam"), options: options)
        defer { source.close() }

        let first = try #require(frame(from: source, within: .seconds(60)), "no frame from the RTSP server")
        #expect(first.width == 320 && first.height == 240)
        #expect(abs(SourceFrame.now() - first.capturedAt) < 5_000_000)
        let second = try #require(frame(from: source, within: .seconds(30)))
        #expect(second.seq > first.seq)
        #expect(source.state == .streaming)

        server.stop()
        let failed = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < failed, source.state == .streaming { _ = source.next(waitingUpTo: .milliseconds(100)) }
        guard case .backingOff(let error, _) = source.state else {
            Issue.record("still \(source.state) after the server stopped")
            return
        }
        #expect(!error.contains("s3cret"))
        #expect(source.reconnects >= 1)

        server = try RTSPTestServer(port: port, image: image, user: "viewer", password: "s3cret")
        let restarted = ContinuousClock.now
        while source.next(waitingUpTo: .zero) != nil {}  // frames captured before the stop
        let resumed = try #require(frame(from: source, within: .seconds(60)), "no frame within 60 s of the restart")
        #expect(resumed.seq > second.seq)
        print("live source: streaming again \(ContinuousClock.now - restarted) after the server restarted")
        #expect(states.all.contains(.streaming))
        #expect(states.all.contains { if case .backingOff = $0 { true } else { false } })

        source.close()
        #expect(source.state == .closed)
    }

    @Test func wrongPasswordBacksOffWithoutShowingIt() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let image = try writeFile("face.jpg", in: folder, try makeJPEG(width: 64, height: 48))
        let port = try RTSPTestServer.freePort()
        let server = try RTSPTestServer(port: port, image: image, user: "viewer", password: "right")
        defer { server.stop() }
        let source = try LiveStreamSource(
            name: "door", url: LiveURL("rtsp://viewer:wrong-secret@127.0.0.1:\(port)/cam"),
            options: LiveStreamOptions(stallTimeout: .seconds(3), initialBackoff: .milliseconds(200)))
        defer { source.close() }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, source.reconnects == 0 { _ = source.next(waitingUpTo: .milliseconds(100)) }
        guard case .backingOff(let error, _) = source.state else {
            Issue.record("expected backing off, got \(source.state)")
            return
        }
        #expect(error.contains("exited"), "\(error)")
        #expect(!error.contains("wrong-secret"))
    }

    private func frame(from source: LiveStreamSource, within wait: Duration) -> SourceFrame? {
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline {
            if let frame = source.next(waitingUpTo: .milliseconds(100)) { return frame }
        }
        return nil
    }
}

/// States seen by the capture thread's observer.
private final class StateLog: @unchecked Sendable {
    private let lock = NSLock()
    private var states: [LiveSourceState] = []
    func append(_ state: LiveSourceState) { lock.withLock { states.append(state) } }
    var all: [LiveSourceState] { lock.withLock { states } }
}

/// The ingest's live loop against a pipeline that takes nothing (its queue full, no
/// acknowledgements): frames are dropped and counted instead of queued, and the few in flight are
/// counted as lost, not re-sent.
@Suite("Live ingest under back-pressure", .serialized, .needsFFmpeg, .needsRTSPServer)
struct LiveBackPressureTests {
    @Test func aStalledPipelineDropsLiveFramesInsteadOfQueueingThem() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let image = try writeFile("face.jpg", in: folder, try makeJPEG(width: 160, height: 120))
        let port = try RTSPTestServer.freePort()
        let server = try RTSPTestServer(port: port, image: image)
        defer { server.stop() }

        // The pipeline: a frame queue nobody reads and an acknowledgement feed that stays silent.
        let endpoints = PipelineEndpoints(basePort: TestPorts.block(of: 8))
        let context = ZMQContext()
        let frames = try ZMQSocket(context, .pull, highWaterMark: 1, lingerMilliseconds: 0)
        try frames.bind(endpoints.bind(.framesIn))
        let acks = try ZMQSocket(context, .publish, lingerMilliseconds: 0)
        try acks.bind(endpoints.bind(.acks))

        let configuration = IngestServiceConfiguration(
            endpoints: endpoints, ackTimeout: .seconds(1), highWaterMark: 1,
            previewInterval: nil, liveWindow: 2, maxLag: .milliseconds(500))
        let source = try LiveStreamSource(name: "door", url: LiveURL("rtsp://127.0.0.1:\(port)/cam"))
        let handover = Handover(source)
        let stop = StopSignal()
        let outcome = OutcomeBox()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            let runner = SourceRunner(
                source: handover.value, configuration: configuration, context: ZMQContext(),
                logger: .init(label: "test"))
            outcome.value = runner.run(stop: stop)
            finished.signal()
        }.start()
        // Until the capture has dropped frames for a few seconds' worth of the stream (10 frames/s),
        // well past the acknowledgement timeout of the frames in flight; however long that takes.
        let deadline = ContinuousClock.now + .seconds(120)
        while source.droppedFrames < 30 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.1) }
        stop.request()
        #expect(finished.wait(timeout: .now() + 15) == .success, "the ingest did not stop")
        let result = try #require(outcome.value)
        #expect(result.failure == nil)
        // At most the window's 2 frames per ack timeout could be sent; the rest were dropped.
        #expect(result.framesDropped >= 20, "dropped \(result.framesDropped) of \(result.framesRead) read")
        #expect(result.framesLost >= 2, "frames never acknowledged are counted as lost")
        #expect(result.resends == 0, "live frames are never re-sent")
        #expect(result.framesAcknowledged == 0)
    }
}

private final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: IngestOutcome?
    var value: IngestOutcome? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
