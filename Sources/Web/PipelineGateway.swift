import Foundation
import Logging
import Messaging
import PipelineProtocol
import Results
import Synchronization
import Timing

/// The web service's link to the pipeline, on one dedicated thread that owns its sockets: uploads
/// go to the broker's frame queue like any ingest's frames, and the recorder's feed brings back
/// every committed result. An upload's request waits for its own frame's result by its sequence
/// number; live viewers get every result as it is committed.
public final class PipelineGateway: Sendable {
    /// One committed frame's results.
    public struct FrameResult: Sendable {
        public let source: String
        public let seq: UInt64
        public let capturedAt: Int64
        public let width: Int
        public let height: Int
        public let faces: [FaceResult]
        /// The ingest's preview of this very frame is held (`preview(source:seq:)`).
        public let hasPreview: Bool
        /// The detector could not decode the frame's image, so it has no faces: the recorder's
        /// acknowledgement carries the detector's `undecodable` flag.
        public let undecodable: Bool
    }

    private struct Waiting {
        let continuation: CheckedContinuation<FrameResult, any Error>
        let deadline: ContinuousClock.Instant
    }

    private struct State {
        var waiting: [UInt64: Waiting] = [:]
        var viewers: [UUID: AsyncStream<FrameResult>.Continuation] = [:]
        var latest: [String: FrameResult] = [:]
        /// The last few previews per source, oldest first.
        var previews: [String: [(seq: UInt64, image: [UInt8])]] = [:]
    }

    /// Previews kept per source. A result is shown over its frame only while that frame's
    /// preview is held, so they must cover the time a frame takes to be recorded, which on a
    /// loaded machine is many seconds behind the ingest (its in-flight window of frames is queued
    /// ahead of the detectors): 64 previews, one per half second at most, cover half a minute.
    static let previewsPerSource = 64
    /// And at most this many bytes of previews per source (64 full-HD JPEGs would be ~20 MB).
    static let previewBytesPerSource = 8 << 20

    private let configuration: WebConfiguration
    private let context = ZMQContext()
    private let inbox: String
    private let state = Mutex(State())
    private let nextSeq: Atomic<UInt64>
    private let logger: Logger

    public init(configuration: WebConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        inbox = "inproc://moodwire.web.uploads.\(UUID().uuidString)"
        // Upload numbers continue from the clock, so that they never repeat those of an earlier
        // run in the same database (the recorder keeps the first frame of a (source, seq)).
        nextSeq = Atomic(UInt64(Date().timeIntervalSince1970 * 1_000_000))
    }

    /// The gateway's socket loop as a service.
    public func service() -> BlockingService {
        BlockingService(name: "moodwire.web.gateway") { stop in try self.run(stop: stop) }
    }

    /// Sends `image` through the pipeline and waits for its results.
    public func analyze(image: [UInt8], width: Int, height: Int) async throws -> FrameResult {
        let seq = nextSeq.add(1, ordering: .relaxed).newValue
        let header = FrameHeader(
            kind: .frame, flags: [.acknowledged, .still], source: configuration.uploadSource, seq: seq,
            capturedAt: Int64(Date().timeIntervalSince1970 * 1_000_000), width: width, height: height)
        let parts = FrameMessage(header: header, image: image).parts
        return try await withCheckedThrowingContinuation { continuation in
            state.withLock { $0.waiting[seq] = Waiting(continuation: continuation, deadline: .now + configuration.uploadTimeout) }
            do {
                // A socket per request, used once on this thread and closed: the loop's thread
                // alone talks to the broker.
                let socket = try ZMQSocket(context, .push, highWaterMark: 64, lingerMilliseconds: 1000)
                try socket.connect(inbox)
                guard try socket.send(parts, timeoutMilliseconds: 1000) else {
                    throw APIError(.serviceUnavailable, "the web service is overloaded; try again")
                }
            } catch {
                if let waiting = state.withLock({ $0.waiting.removeValue(forKey: seq) }) {
                    waiting.continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Every committed result from now on, newest kept when a viewer falls behind.
    public func results() -> AsyncStream<FrameResult> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: FrameResult.self, bufferingPolicy: .bufferingNewest(32))
        state.withLock { $0.viewers[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.viewers.removeValue(forKey: id) }
        }
        return stream
    }

    /// The preview image of a frame, if it is still held.
    public func preview(source: String, seq: UInt64) -> [UInt8]? {
        state.withLock { $0.previews[source]?.last { $0.seq == seq }?.image }
    }

    /// The latest result of each source seen since the service started.
    public var latest: [String: FrameResult] { state.withLock { $0.latest } }

    private func run(stop: StopSignal) throws {
        let inboxSocket = try ZMQSocket(context, .pull, highWaterMark: 1000, lingerMilliseconds: 0)
        try inboxSocket.bind(inbox)
        let frames = try ZMQSocket(context, .push, highWaterMark: 16, lingerMilliseconds: 0)
        try frames.connect(configuration.endpoints.connect(.framesIn))
        let feed = try ZMQSocket(context, .subscribe, highWaterMark: 100_000, lingerMilliseconds: 0)
        try feed.connect(configuration.endpoints.connect(.acks))
        let previews = try ZMQSocket(context, .subscribe, highWaterMark: 16, lingerMilliseconds: 0)
        try previews.connect(configuration.endpoints.connect(.previewsOut))
        let malformed = MalformedMessageLog(logger: logger)
        while !stop.isRequested {
            let ready = try ZMQPoller.readable([inboxSocket, feed, previews], timeoutMilliseconds: 50)
            if ready.contains(2) {
                while let parts = try previews.receive(timeoutMilliseconds: 0) {
                    do throws(MalformedMessage) {
                        keep(try FrameMessage(parts: parts, kind: .preview))
                    } catch {
                        malformed.record(error, socket: "previews")
                    }
                }
            }
            if ready.contains(0) {
                while let parts = try inboxSocket.receive(timeoutMilliseconds: 0) {
                    if try !frames.send(parts, timeoutMilliseconds: 200), let seq = try? FrameHeader.decode(parts[0]).seq {
                        fail(seq, APIError(.serviceUnavailable, "the pipeline is not taking frames; is it running?"))
                    }
                }
            }
            if ready.contains(1) {
                while let parts = try feed.receive(timeoutMilliseconds: 0) {
                    do throws(MalformedMessage) {
                        deliver(try AckMessage(parts: parts).results)
                    } catch {
                        malformed.record(error, socket: "acks")
                    }
                }
            }
            expireWaiting()
        }
        let remaining = state.withLock { state in
            defer { state.waiting.removeAll() }
            return state.waiting.values.map(\.continuation)
        }
        for continuation in remaining { continuation.resume(throwing: APIError(.serviceUnavailable, "the web service is stopping")) }
        state.withLock { $0.viewers.values.forEach { $0.finish() } }
    }

    private func deliver(_ results: ResultsMessage) {
        let faces = results.faces.indices.map { index in
            FaceResult(face: results.faces[index], scores: EmotionScores(probabilities: Array(results.probabilities(ofFace: index))))
        }
        let header = results.header
        let (waiting, viewers, result) = state.withLock { state in
            let hasPreview = state.previews[header.source]?.contains { $0.seq == header.seq } ?? false
            let result = FrameResult(
                source: header.source, seq: header.seq, capturedAt: header.capturedAt,
                width: header.width, height: header.height, faces: faces, hasPreview: hasPreview,
                undecodable: header.flags.contains(.undecodable))
            state.latest[header.source] = result
            let waiting = header.source == configuration.uploadSource ? state.waiting.removeValue(forKey: header.seq) : nil
            return (waiting, Array(state.viewers.values), result)
        }
        waiting?.continuation.resume(returning: result)
        for viewer in viewers { viewer.yield(result) }
    }

    private func keep(_ preview: FrameMessage) {
        state.withLock { state in
            var kept = state.previews[preview.header.source, default: []]
            kept.append((preview.header.seq, preview.image))
            if kept.count > Self.previewsPerSource { kept.removeFirst(kept.count - Self.previewsPerSource) }
            var bytes = kept.reduce(0) { $0 + $1.image.count }
            while bytes > Self.previewBytesPerSource, kept.count > 1 { bytes -= kept.removeFirst().image.count }
            state.previews[preview.header.source] = kept
        }
    }

    private func fail(_ seq: UInt64, _ error: APIError) {
        state.withLock { $0.waiting.removeValue(forKey: seq) }?.continuation.resume(throwing: error)
    }

    private func expireWaiting() {
        let now = ContinuousClock.now
        let expired = state.withLock { state in
            let keys = state.waiting.filter { $0.value.deadline <= now }.map(\.key)
            return keys.compactMap { state.waiting.removeValue(forKey: $0) }
        }
        let seconds = Int64(configuration.uploadTimeout.inSeconds)
        for waiting in expired {
            waiting.continuation.resume(
                throwing: APIError(
                    .gatewayTimeout,
                    "no result within \(seconds) s: the pipeline (detector, classifier or recorder) is not running or is overloaded"))
        }
    }
}
