import EmotionClassification
import Foundation
import Imaging
import Logging
import Messaging
import Metrics
import PipelineProtocol
import Timing

/// The classifier's thread: its sockets, the results waiting for acknowledgement, its metrics.
final class ClassifierLoop {
    private let configuration: ClassifierServiceConfiguration
    private let worker: ClassifierWorker
    private let logger: Logger
    private let input: ZMQSocket
    private let output: ZMQSocket
    private let acks: ZMQSocket
    private let malformed: MalformedMessageLog
    /// The crop side of the last frame whose crops did not match the model's input, so that a
    /// detector run with another model is reported once, not per frame.
    private var mismatchedCropSide: Int?
    /// Results sent and not acknowledged yet: a recorder that dies takes the results in its socket
    /// queue with it, and a result that is never committed would be a hole in the history.
    private var unacknowledged: RetransmitWindow<FrameKey>

    private let facesCounter = Counter(label: "moodwire.classifier.faces")
    private let framesCounter = Counter(label: "moodwire.classifier.frames")
    private let resentCounter = Counter(label: "moodwire.classifier.results_resent")
    private let acknowledgedCounter = Counter(label: "moodwire.classifier.results_acknowledged")
    private let pendingGauge = Gauge(label: "moodwire.classifier.unacknowledged")
    private let batchTimer = Metrics.Timer(label: "moodwire.classifier.latency", dimensions: [("step", "batch")])
    private let batchFaces = Recorder(label: "moodwire.classifier.batch_faces", aggregate: true)

    init(configuration: ClassifierServiceConfiguration, classifier: EmotionClassifier, logger: Logger) throws(ZMQError) {
        self.configuration = configuration
        self.logger = logger
        unacknowledged = RetransmitWindow(minimumTimeout: configuration.resendAfter)
        worker = ClassifierWorker(classifier: classifier, flipAveraged: configuration.flipAveraged)
        malformed = MalformedMessageLog(logger: logger)
        let context = ZMQContext()
        input = try ZMQSocket(context, .pull, highWaterMark: configuration.highWaterMark)
        // Linger 0: what is unacknowledged at exit is reported, not waited for silently.
        output = try ZMQSocket(context, .push, highWaterMark: configuration.highWaterMark, lingerMilliseconds: 0)
        acks = try ZMQSocket(context, .subscribe, highWaterMark: 100_000, lingerMilliseconds: 0)
        try input.setMaxMessageSize(Int64(WireProtocol.maxCropBytes + WireProtocol.maxFaces * WireProtocol.faceBytes + 4096))
        try input.connect(configuration.faces)
        try output.connect(configuration.results)
        try acks.connect(configuration.acks)
    }

    func run(stop: StopSignal) throws(ZMQError) {
        // One batch of blank faces first: the first run touches the weights and workspaces for the
        // first time, and made the first frames of a stack several times slower than the rest.
        let side = worker.classifier.network.inputShape.width
        _ = worker.classifier.classify(
            [GrayImage](
                repeating: GrayImage(width: side, height: side, pixels: [UInt8](repeating: 128, count: side * side)), count: configuration.batchSize))
        logger.info(
            "classifier ready",
            metadata: [
                "faces": "\(configuration.faces)", "results": "\(configuration.results)", "acks": "\(configuration.acks)"
            ])
        while !stop.isRequested {
            try receiveAcks(waitingUpTo: .zero)
            try resendDue()
            guard unacknowledged.count < configuration.maxUnacknowledged else {
                // The recorder is away or behind: stop taking faces (the broker queues, then the
                // ingest's window, hold the rest) until it acknowledges.
                try receiveAcks(waitingUpTo: .milliseconds(100))
                continue
            }
            guard let first = try input.receive(timeoutMilliseconds: 100) else { continue }
            let batch = try collectBatch(startingWith: first)
            guard !batch.isEmpty else { continue }
            let start = ContinuousClock.now
            let results = worker.results(for: batch)
            batchTimer.record(duration: ContinuousClock.now - start)
            for result in results {
                let parts = result.parts
                // Sent now if the queue has room; otherwise it waits among the unacknowledged
                // results and goes with the next re-send.
                _ = try output.send(parts, timeoutMilliseconds: 100)
                unacknowledged.sent(FrameKey(result.header), parts: parts, at: ContinuousClock.now)
            }
            pendingGauge.record(unacknowledged.count)
        }
        try drain()
    }

    /// Faces of frames arriving within `maxWait` of the first, up to `batchSize` faces.
    private func collectBatch(startingWith first: [[UInt8]]) throws(ZMQError) -> [FacesMessage] {
        var batch: [FacesMessage] = []
        var faceCount = 0
        let deadline = ContinuousClock.now + configuration.maxWait
        var parts: [[UInt8]]? = first
        while let message = parts {
            do throws(MalformedMessage) {
                let frame = try FacesMessage(parts: message)
                reportCropSide(frame.cropSide)
                batch.append(frame)
                faceCount += frame.faces.count
            } catch {
                malformed.record(error, socket: "faces")
            }
            guard faceCount < configuration.batchSize else { break }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { break }
            parts = try input.receive(timeoutMilliseconds: remaining.timeoutMilliseconds)
        }
        framesCounter.increment(by: batch.count)
        facesCounter.increment(by: faceCount)
        if faceCount > 0 { batchFaces.record(faceCount) }
        logger.trace("batch collected", metadata: ["frames": "\(batch.count)", "faces": "\(faceCount)"])
        return batch
    }

    /// Crops of another size than the model's input are resized again, which loses what the
    /// detector's single resize keeps: its `--model` differs from this classifier's.
    private func reportCropSide(_ side: Int) {
        let input = worker.classifier.network.inputShape.width
        guard side != 0, side != input, side != mismatchedCropSide else { return }
        mismatchedCropSide = side
        logger.warning(
            "face crops do not match the model's input; give the detectors the classifiers' --model",
            metadata: ["crop_side": "\(side)", "model_input": "\(input)"])
    }

    private func receiveAcks(waitingUpTo wait: Duration) throws(ZMQError) {
        var timeout = wait.timeoutMilliseconds
        while let parts = try acks.receive(timeoutMilliseconds: timeout) {
            timeout = 0
            do throws(MalformedMessage) {
                let key = FrameKey(try AckMessage(parts: parts).header)
                if unacknowledged.acknowledged(key, at: ContinuousClock.now) { acknowledgedCounter.increment() }
            } catch {
                malformed.record(error, socket: "acks")
            }
        }
        pendingGauge.record(unacknowledged.count)
    }

    /// Sends again what the recorder has not acknowledged in time (`--resend-after`, or longer
    /// when acknowledgements take longer), never waiting for room.
    private func resendDue() throws(ZMQError) {
        let now = ContinuousClock.now
        for (key, parts) in unacknowledged.due(at: now) {
            guard try output.send(parts, timeoutMilliseconds: 0) else { return }
            unacknowledged.resent(key, at: now)
            resentCounter.increment()
            logger.debug("result re-sent", metadata: ["source": "\(key.source)", "seq": "\(key.seq)"])
        }
    }

    /// Stop requested: no more faces; the results held get `drainTimeout` to be acknowledged.
    private func drain() throws(ZMQError) {
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while !unacknowledged.isEmpty && ContinuousClock.now < deadline {
            try receiveAcks(waitingUpTo: .milliseconds(50))
            try resendDue()
        }
        if !unacknowledged.isEmpty {
            logger.warning("stopping with results the recorder has not acknowledged", metadata: ["results": "\(unacknowledged.count)"])
        }
    }
}

/// A result's frame, as the recorder's idempotent insert keys it, so a result sent twice is stored once.
private struct FrameKey: Hashable, Sendable {
    var source: String
    var seq: UInt64

    init(_ header: FrameHeader) {
        source = header.source
        seq = header.seq
    }
}
