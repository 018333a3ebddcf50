import Foundation
import Logging
import Messaging
import Metrics
import PipelineProtocol
import ResultDatabase
import Timing

/// Where the recorder listens and how it batches its transactions.
public struct RecorderServiceConfiguration: Sendable {
    /// Results queue (bind, PULL): classifiers connect here.
    public var results: String
    /// Acknowledgement feed (bind, PUB): ingests and supervisors subscribe here.
    public var acks: String
    /// Most frames per transaction.
    public var maxBatch: Int
    /// How long the first result of a transaction waits for others to join it; results already
    /// queued always join.
    public var maxDelay: Duration
    /// Results queued from each classifier.
    public var highWaterMark: Int32

    public init(
        endpoints: PipelineEndpoints = PipelineEndpoints(), maxBatch: Int = 1024, maxDelay: Duration = .zero,
        highWaterMark: Int32 = 256
    ) {
        results = endpoints.bind(.results)
        acks = endpoints.bind(.acks)
        self.maxBatch = maxBatch
        self.maxDelay = maxDelay
        self.highWaterMark = highWaterMark
    }
}

/// The recorder stage: results in, committed to SQLite in batched transactions, then published
/// frame by frame on the PUB feed as acknowledgements that carry the results (also for frames it
/// already had, so a re-sent frame is settled). Ingests wait for them; live views and clients
/// read results from them.
/// On a stop request it takes what is already queued, commits it and acknowledges it before it ends.
public enum RecorderService {
    /// Binds both sockets before returning, so a busy address fails before anything runs.
    public static func make(
        _ configuration: RecorderServiceConfiguration, store: Handover<ResultStore>,
        logger: Logger
    ) throws(ZMQError) -> BlockingService {
        let context = ZMQContext()
        let sockets = Handover(try RecorderSockets(context: context, configuration: configuration))
        return BlockingService(name: "moodwire.recorder") { stop in
            let loop = RecorderLoop(store: store.value, sockets: sockets.value, configuration: configuration, logger: logger)
            try loop.run(stop: stop)
        }
    }
}

/// The recorder's two bound sockets, handed to its thread once bound.
final class RecorderSockets {
    let input: ZMQSocket
    let acks: ZMQSocket

    init(context: ZMQContext, configuration: RecorderServiceConfiguration) throws(ZMQError) {
        input = try ZMQSocket(context, .pull, highWaterMark: configuration.highWaterMark, lingerMilliseconds: 0)
        acks = try ZMQSocket(context, .publish, highWaterMark: 100_000, lingerMilliseconds: 500)
        try input.setMaxMessageSize(Int64(WireProtocol.maxFaces * WireProtocol.probabilityBytes + 4096))
        try input.bind(configuration.results)
        try acks.bind(configuration.acks)
    }
}

final class RecorderLoop {
    private let store: ResultStore
    private let sockets: RecorderSockets
    private let configuration: RecorderServiceConfiguration
    private let logger: Logger
    private let malformed: MalformedMessageLog
    private let metrics = RecorderMetrics()

    init(store: ResultStore, sockets: RecorderSockets, configuration: RecorderServiceConfiguration, logger: Logger) {
        self.store = store
        self.sockets = sockets
        self.configuration = configuration
        self.logger = logger
        malformed = MalformedMessageLog(logger: logger)
    }

    func run(stop: StopSignal) throws {
        logger.info("recorder ready", metadata: ["results": "\(configuration.results)", "acks": "\(configuration.acks)"])
        while !stop.isRequested {
            guard let first = try sockets.input.receive(timeoutMilliseconds: 100) else { continue }
            var batch: [ResultsMessage] = []
            add(first, to: &batch)
            // Whatever queued up while the last commit ran joins this one at once (large batches
            // under load, no added latency when idle); `maxDelay` can hold the batch open longer.
            let deadline = ContinuousClock.now + configuration.maxDelay
            while batch.count < configuration.maxBatch {
                let remaining = deadline - ContinuousClock.now
                guard let parts = try sockets.input.receive(timeoutMilliseconds: remaining.timeoutMilliseconds) else { break }
                add(parts, to: &batch)
            }
            try commit(batch, stop: stop)
        }
        // Everything already queued is committed before the recorder ends.
        var batch: [ResultsMessage] = []
        while let parts = try sockets.input.receive(timeoutMilliseconds: 0) {
            add(parts, to: &batch)
            if batch.count >= configuration.maxBatch {
                try commit(batch, stop: stop)
                batch.removeAll()
            }
        }
        try commit(batch, stop: stop)
    }

    private func add(_ parts: [[UInt8]], to batch: inout [ResultsMessage]) {
        do throws(MalformedMessage) {
            batch.append(try ResultsMessage(parts: parts))
        } catch {
            malformed.record(error, socket: "results")
        }
    }

    /// Commits `batch`, retrying while the database refuses (locked, disk full) until it succeeds
    /// or, after a stop request, for a few more attempts; then acknowledges every frame.
    private func commit(_ batch: [ResultsMessage], stop: StopSignal) throws {
        guard !batch.isEmpty else { return }
        // Readiness probes are acknowledged like the rest and never recorded.
        let recorded = batch.filter { !$0.header.flags.contains(.probe) }
        var attemptsAfterStop = 0
        while true {
            do {
                let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
                let start = ContinuousClock.now
                let inserted = try store.record(recorded, processedAt: now)
                metrics.commitLatency.record(duration: ContinuousClock.now - start)
                let new = inserted.filter { $0 }.count
                metrics.newFrames.increment(by: new)
                metrics.duplicateFrames.increment(by: inserted.count - new)
                metrics.faces.increment(by: zip(recorded, inserted).reduce(0) { $0 + ($1.1 ? $1.0.faces.count : 0) })
                metrics.batchFrames.record(recorded.count)
                logger.trace("committed", metadata: ["frames": "\(batch.count)", "new": "\(new)"])
                break
            } catch {
                logger.error("cannot commit results; retrying", metadata: ["frames": "\(batch.count)", "error": "\(error)"])
                if stop.isRequested {
                    attemptsAfterStop += 1
                    if attemptsAfterStop >= 3 { throw error }
                }
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        for result in batch {
            try sockets.acks.send(AckMessage(results: result).parts, timeoutMilliseconds: 0)
        }
    }
}
