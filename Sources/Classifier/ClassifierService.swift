import Foundation
import Logging
import Messaging
import Shared

/// Where a classifier takes faces from and sends results to, and how it batches.
public struct ClassifierServiceConfiguration: Sendable {
    /// The broker's face queue (connect, PULL).
    public var faces: String
    /// The recorder's results queue (connect, PUSH).
    public var results: String
    /// Messages waiting in this worker per direction.
    public var highWaterMark: Int32
    /// Most faces classified in one batch.
    public var batchSize: Int
    /// How long the first frame of a batch waits for more faces to join it.
    public var maxWait: Duration
    /// Average each face with its mirror image (test-time augmentation).
    public var flipAveraged: Bool

    public init(endpoints: PipelineEndpoints = PipelineEndpoints(), highWaterMark: Int32 = 4, batchSize: Int = 32,
                maxWait: Duration = .milliseconds(2), flipAveraged: Bool = false) {
        faces = endpoints.connect(.facesOut)
        results = endpoints.connect(.results)
        self.highWaterMark = highWaterMark
        self.batchSize = batchSize
        self.maxWait = maxWait
        self.flipAveraged = flipAveraged
    }
}

/// The classifier stage: faces in, results out, batching faces that arrive close together.
public enum ClassifierService {
    public static func make(_ configuration: ClassifierServiceConfiguration, classifier: Handover<EmotionClassifier>,
                            logger: Logger) -> BlockingService {
        BlockingService(name: "moodwire.classifier") { stop in
            let worker = ClassifierWorker(classifier: classifier.value, flipAveraged: configuration.flipAveraged)
            let context = ZMQContext()
            let input = try ZMQSocket(context, .pull, highWaterMark: configuration.highWaterMark)
            let output = try ZMQSocket(context, .push, highWaterMark: configuration.highWaterMark, lingerMilliseconds: 2000)
            try input.setMaxMessageSize(Int64(WireProtocol.maxFaces * WireProtocol.cropBytes + 4096))
            try input.connect(configuration.faces)
            try output.connect(configuration.results)
            let malformed = MalformedMessageLog(logger: logger)
            logger.info("classifier ready", metadata: ["faces": "\(configuration.faces)", "results": "\(configuration.results)"])
            while !stop.isRequested {
                guard let first = try input.receive(timeoutMilliseconds: 100) else { continue }
                var batch: [FacesMessage] = []
                var faceCount = 0
                let deadline = ContinuousClock.now + configuration.maxWait
                var parts: [[UInt8]]? = first
                while let message = parts {
                    do throws(MalformedMessage) {
                        let frame = try FacesMessage(parts: message)
                        batch.append(frame)
                        faceCount += frame.boxes.count
                    } catch {
                        malformed.record(error, socket: "faces")
                    }
                    guard faceCount < configuration.batchSize else { break }
                    let remaining = deadline - ContinuousClock.now
                    guard remaining > .zero else { break }
                    parts = try input.receive(timeoutMilliseconds: remaining.timeoutMilliseconds)
                }
                guard !batch.isEmpty else { continue }
                let results = worker.results(for: batch)
                logger.trace("batch classified", metadata: ["frames": "\(batch.count)", "faces": "\(faceCount)"])
                for result in results {
                    // A stop request while the recorder is away loses these results; their
                    // acknowledged frames are re-sent by the ingest.
                    while try !output.send(result.parts, timeoutMilliseconds: 100) {
                        if stop.isRequested { break }
                    }
                }
            }
        }
    }
}
