import Foundation
import TestSupport
import Testing

@testable import ClassifierStage
@testable import EmotionClassification
@testable import Imaging
@testable import Messaging
@testable import PipelineProtocol
@testable import Timing

/// The classifier against a stand-in broker and recorder on real ZeroMQ sockets: results are
/// re-sent until the recorder acknowledges them, also to a recorder that lost its queue and came
/// back, and never after their acknowledgement.
@Suite(
    "Acknowledged results", .serialized,
    .enabled(if: InstalledModels.emotionModel != nil || runningInCI, "needs the model (scripts/fetch-models.sh)"))
struct AcknowledgedResultsTests {
    @Test func resultsAreResentUntilTheRecorderAcknowledgesThem() throws {
        let endpoints = PipelineEndpoints(basePort: TestPorts.block(of: 8))
        let context = ZMQContext()
        let faces = try ZMQSocket(context, .push, lingerMilliseconds: 0)
        try faces.bind(endpoints.bind(.facesOut))
        var recorder: ZMQSocket? = try ZMQSocket(context, .pull, lingerMilliseconds: 0)
        try recorder!.bind(endpoints.bind(.results))
        let acks = try ZMQSocket(context, .publish, lingerMilliseconds: 0)
        try acks.bind(endpoints.bind(.acks))

        let classifier = try EmotionClassifier(modelPath: try #require(InstalledModels.emotionModel), maxBatch: 8)
        let configuration = ClassifierServiceConfiguration(
            endpoints: endpoints, resendAfter: .milliseconds(300),
            drainTimeout: .milliseconds(500))
        // Built on its thread, as the service does: its sockets belong to that thread.
        let handover = Handover(classifier)
        let stop = StopSignal()
        let finished = DispatchSemaphore(value: 0)
        Thread {
            do {
                try ClassifierLoop(configuration: configuration, classifier: handover.value, logger: .init(label: "test")).run(stop: stop)
            } catch {
                Issue.record("classifier loop failed: \(error)")
            }
            finished.signal()
        }.start()
        defer {
            stop.request()
            finished.wait()
        }

        let crop = [UInt8](repeating: 128, count: 64 * 64)
        for seq in UInt64(0)..<3 {
            let header = FrameHeader(kind: .faces, flags: .acknowledged, source: "cam", seq: seq, capturedAt: 1, width: 64, height: 64)
            #expect(
                try faces.send(
                    FacesMessage(header: header, faces: [DetectedFace(box: PixelRect(x: 0, y: 0, width: 64, height: 64))], crops: crop, cropSide: 64)
                        .parts,
                    timeoutMilliseconds: 5000))
        }
        let first = try receiveResults(recorder!, count: 3, within: .seconds(10))
        #expect(first.map(\.header.seq).sorted() == [0, 1, 2])

        // The recorder dies with what it received; a new one binds the same address.
        recorder = nil
        recorder = try bindAgain(context, endpoints.bind(.results))
        let resent = try receiveResults(recorder!, count: 3, within: .seconds(10))
        #expect(resent.map(\.header.seq).sorted() == [0, 1, 2])
        let bySeq = Dictionary(uniqueKeysWithValues: first.map { ($0.header.seq, $0.probabilities) })
        for result in resent { #expect(result.probabilities == bySeq[result.header.seq]) }

        // Acknowledged results are forgotten; the other one keeps coming back.
        for result in resent where result.header.seq != 2 {
            #expect(try acks.send(AckMessage(results: result).parts, timeoutMilliseconds: 1000))
        }
        Thread.sleep(forTimeInterval: 0.2)
        let again = try receiveResults(recorder!, count: 2, within: .seconds(3), exact: false)
        #expect(Set(again.map(\.header.seq)) == [2])
        let last = try #require(again.first)
        #expect(try acks.send(AckMessage(results: last).parts, timeoutMilliseconds: 1000))
        Thread.sleep(forTimeInterval: 0.2)
        while try recorder!.receive(timeoutMilliseconds: 0) != nil {}  // re-sends already on their way
        #expect(try recorder!.receive(timeoutMilliseconds: 1000) == nil, "an acknowledged result was sent again")
    }

    /// Results received within `wait`: exactly `count` (or, when not `exact`, all that came).
    private func receiveResults(_ socket: ZMQSocket, count: Int, within wait: Duration, exact: Bool = true) throws -> [ResultsMessage] {
        var results: [ResultsMessage] = []
        let deadline = ContinuousClock.now + wait
        while ContinuousClock.now < deadline && (!exact || results.count < count) {
            if let parts = try socket.receive(timeoutMilliseconds: 100) { results.append(try ResultsMessage(parts: parts)) }
        }
        if exact { #expect(results.count == count) }
        return results
    }

    /// A PULL socket bound to `endpoint` once the closed one has released it.
    private func bindAgain(_ context: ZMQContext, _ endpoint: String) throws -> ZMQSocket {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let socket = try ZMQSocket(context, .pull, lingerMilliseconds: 0)
            if (try? socket.bind(endpoint)) != nil { return socket }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let socket = try ZMQSocket(context, .pull, lingerMilliseconds: 0)
        try socket.bind(endpoint)
        return socket
    }
}
