import EmotionClassification
import Foundation
import Logging
import Messaging
import PipelineProtocol

/// Where a classifier takes faces from and sends results to, and how it batches.
public struct ClassifierServiceConfiguration: Sendable {
    /// The broker's face queue (connect, PULL).
    public var faces: String
    /// The recorder's results queue (connect, PUSH).
    public var results: String
    /// The recorder's acknowledgement feed (connect, SUB): a result is kept until it shows there.
    public var acks: String
    /// A result not acknowledged this long after it was sent is sent again (the recorder died or
    /// restarted and lost its queue; it stores a frame once however often it comes).
    public var resendAfter: Duration
    /// Unacknowledged results at which the classifier stops taking faces until the recorder
    /// catches up: the memory a long recorder outage can hold is bounded.
    public var maxUnacknowledged: Int
    /// After a stop request, how long to wait for the results held to be acknowledged.
    public var drainTimeout: Duration
    /// Messages waiting in this worker per direction.
    public var highWaterMark: Int32
    /// Most faces classified in one batch.
    public var batchSize: Int
    /// How long the first frame of a batch waits for more faces to join it.
    public var maxWait: Duration
    /// Average each face with its mirror image (test-time augmentation).
    public var flipAveraged: Bool

    public init(
        endpoints: PipelineEndpoints = PipelineEndpoints(), highWaterMark: Int32 = 4, batchSize: Int = 32,
        maxWait: Duration = .milliseconds(2), flipAveraged: Bool = false, resendAfter: Duration = .seconds(3),
        maxUnacknowledged: Int = 4096, drainTimeout: Duration = .seconds(5)
    ) {
        faces = endpoints.connect(.facesOut)
        results = endpoints.connect(.results)
        acks = endpoints.connect(.acks)
        self.resendAfter = resendAfter
        self.maxUnacknowledged = maxUnacknowledged
        self.drainTimeout = drainTimeout
        self.highWaterMark = highWaterMark
        self.batchSize = batchSize
        self.maxWait = maxWait
        self.flipAveraged = flipAveraged
    }
}

/// The classifier stage: faces in, results out, batching faces that arrive close together. Each
/// result is kept until the recorder acknowledges it and re-sent when that takes too long, so a
/// recorder crash or restart loses no result; on a stop request the held results get a bounded
/// time to be acknowledged.
public enum ClassifierService {
    public static func make(
        _ configuration: ClassifierServiceConfiguration, classifier: Handover<EmotionClassifier>,
        logger: Logger
    ) -> BlockingService {
        BlockingService(name: "moodwire.classifier") { stop in
            let loop = try ClassifierLoop(configuration: configuration, classifier: classifier.value, logger: logger)
            try loop.run(stop: stop)
        }
    }
}
