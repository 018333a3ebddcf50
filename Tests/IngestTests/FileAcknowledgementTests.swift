import Foundation
import Synchronization
import TestSupport
import Testing

@testable import Ingest
@testable import Messaging
@testable import PipelineProtocol

/// A file source against a stand-in pipeline on real ZeroMQ sockets that acknowledges every frame
/// for another source too: only this source's acknowledgements count, and a frame whose own
/// acknowledgement never came is re-sent until it does.
@Suite("File ingest acknowledgements", .serialized)
struct FileAcknowledgementTests {
    @Test func aFrameIsResentUntilItsOwnSourceAcknowledgesIt() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let paths = try (0..<3).map { try writeFile("\($0).jpg", in: folder, try makeJPEG(width: 32, height: 24, seed: $0)) }

        let endpoints = PipelineEndpoints(basePort: TestPorts.block(of: 8))
        let context = ZMQContext()
        let frames = try ZMQSocket(context, .pull, lingerMilliseconds: 0)
        try frames.bind(endpoints.bind(.framesIn))
        let acks = try ZMQSocket(context, .publish, lingerMilliseconds: 0)
        try acks.bind(endpoints.bind(.acks))

        let configuration = IngestServiceConfiguration(
            endpoints: endpoints, ackTimeout: .milliseconds(300), drainTimeout: .milliseconds(500), previewInterval: nil)
        let source = try ImageListSource(name: "clip", paths: paths)
        let handover = Handover(source)
        let stop = StopSignal()
        let outcome = Mutex<IngestOutcome?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            let runner = SourceRunner(
                source: handover.value, configuration: configuration, context: ZMQContext(), logger: .init(label: "test"))
            let result = runner.run(stop: stop)
            outcome.withLock { $0 = result }
            finished.signal()
        }.start()

        // Every frame is acknowledged for another source; frame 1 for its own only once re-sent.
        var receipts: [UInt64: Int] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while finished.wait(timeout: .now()) == .timedOut, ContinuousClock.now < deadline {
            guard let parts = try frames.receive(timeoutMilliseconds: 50) else { continue }
            let frame = try FrameMessage(parts: parts)
            receipts[frame.header.seq, default: 0] += 1
            var other = frame.header
            other.source = "other"
            var acknowledged = [other]
            if frame.header.seq != 1 || receipts[1, default: 0] > 1 { acknowledged.append(frame.header) }
            for header in acknowledged {
                _ = try acks.send(AckMessage(results: ResultsMessage(header: header, faces: [], probabilities: [])).parts, timeoutMilliseconds: 1000)
            }
        }
        stop.request()

        let result = try #require(outcome.withLock { $0 })
        #expect(result.failure == nil)
        #expect(result.framesRead == 3)
        #expect(result.framesAcknowledged == 3)
        #expect(result.unacknowledged == 0)
        #expect(result.resends >= 1)
        #expect(receipts[1, default: 0] >= 2, "frame 1 was not re-sent")
    }
}
