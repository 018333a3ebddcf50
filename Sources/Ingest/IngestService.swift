import Foundation
import Logging
import Messaging
import PipelineProtocol

/// How the ingest sends frames and waits for them to be recorded.
public struct IngestServiceConfiguration: Sendable {
    /// The broker's frame queue (connect, PUSH).
    public var frames: String
    /// The recorder's acknowledgement feed (connect, SUB).
    public var acks: String
    /// Frames of one source sent and not yet acknowledged; reading waits while this many are out.
    public var window: Int
    /// A frame not acknowledged this long after it was sent is sent again (a worker may have died
    /// holding it; the recorder ignores a frame it already has). A live frame is counted as lost.
    public var ackTimeout: Duration
    /// Frames per second to pace each source at (real time for a video); nil sends as fast as the
    /// pipeline takes them.
    public var framesPerSecond: Double?
    /// After a stop request, how long to wait for the frames in flight to be acknowledged.
    public var drainTimeout: Duration
    /// Frames queued toward the broker.
    public var highWaterMark: Int32
    /// The broker's preview feed (connect, PUB): a frame at most this often per source goes to live
    /// viewers; nil sends none. The feed carries nothing while nobody watches.
    public var previews: String
    public var previewInterval: Duration?
    /// Frames of one live source sent and not yet acknowledged. Small, because every frame in
    /// flight is latency: a frame waits in the capture buffer (where newer ones replace it)
    /// rather than in the pipeline's queues.
    public var liveWindow: Int
    /// A live frame older than this when the pipeline could take it is dropped instead.
    public var maxLag: Duration

    public init(
        endpoints: PipelineEndpoints = PipelineEndpoints(), window: Int = 32, ackTimeout: Duration = .seconds(15),
        framesPerSecond: Double? = nil, drainTimeout: Duration = .seconds(5), highWaterMark: Int32 = 8,
        previewInterval: Duration? = .milliseconds(500), liveWindow: Int = 4, maxLag: Duration = .seconds(2)
    ) {
        self.liveWindow = liveWindow
        self.maxLag = maxLag
        frames = endpoints.connect(.framesIn)
        acks = endpoints.connect(.acks)
        previews = endpoints.connect(.previewsIn)
        self.previewInterval = previewInterval
        self.window = window
        self.ackTimeout = ackTimeout
        self.framesPerSecond = framesPerSecond
        self.drainTimeout = drainTimeout
        self.highWaterMark = highWaterMark
    }
}

/// What one source's run did.
public struct IngestOutcome: Sendable {
    public var source: String
    public var framesRead = 0
    public var framesAcknowledged = 0
    public var resends = 0
    /// Live frames dropped because the pipeline was behind.
    public var framesDropped = 0
    /// Live frames sent and never acknowledged (lost in flight; not re-sent).
    public var framesLost = 0
    /// Frames still unacknowledged when the run ended (only after a stop request).
    public var unacknowledged = 0
    /// Why reading stopped early, if it did.
    public var failure: String?
}

/// The ingest stage: each source on its own thread with its own sockets, reading frames as the
/// window allows, sending them to the broker and keeping each until the recorder acknowledges it.
/// The service ends when every source is read to its end and acknowledged, or on a stop request
/// (live sources have no end).
public enum IngestService {
    public static func make(
        _ configuration: IngestServiceConfiguration, sources: Handover<[any FrameSource]>, logger: Logger,
        finished: @escaping @Sendable ([IngestOutcome]) -> Void = { _ in }
    ) -> BlockingService {
        BlockingService(name: "moodwire.ingest") { stop in
            let context = ZMQContext()
            let outcomes = OutcomeList()
            let group = DispatchGroup()
            for source in sources.value {
                let handover = Handover(source)
                group.enter()
                let thread = Thread {
                    defer { group.leave() }
                    let runner = SourceRunner(source: handover.value, configuration: configuration, context: context, logger: logger)
                    outcomes.append(runner.run(stop: stop))
                }
                thread.name = "moodwire.ingest.\(source.name)"
                thread.start()
            }
            group.wait()
            finished(outcomes.all)
        }
    }
}

/// Outcomes collected from the source threads.
private final class OutcomeList: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [IngestOutcome] = []

    func append(_ outcome: IngestOutcome) {
        lock.withLock { outcomes.append(outcome) }
    }

    var all: [IngestOutcome] { lock.withLock { outcomes } }
}
