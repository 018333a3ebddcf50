import Foundation
import Logging
import Messaging
import PipelineProtocol
import Timing

/// One source's send-and-acknowledge loop, on its own thread with its own sockets.
///
/// A file source waits for room in its window and re-sends what is not acknowledged in time, so
/// no frame is lost. A live source never waits: a frame older than `maxLag`, or one the pipeline
/// has no room for, is dropped and counted, and a frame not acknowledged in time is counted as
/// lost in flight, not re-sent (results stay current rather than complete).
final class SourceRunner {
    private var source: any FrameSource
    private let configuration: IngestServiceConfiguration
    private let logger: Logger
    private let output: ZMQSocket?
    private let acks: ZMQSocket?
    private let previews: ZMQSocket?
    private var lastPreview: ContinuousClock.Instant?
    private let setupError: String?
    private var inFlight: RetransmitWindow<UInt64>
    /// The source id as the wire carries it, to pick this source's acknowledgements out of all.
    private let sourceID: [UInt8]
    private var outcome: IngestOutcome
    private let malformed: MalformedMessageLog
    private let metrics: SourceMetrics
    /// Live drops already counted in the metrics (the capture buffer keeps its own total).
    private var bufferDropsCounted = 0

    init(source: any FrameSource, configuration: IngestServiceConfiguration, context: ZMQContext, logger: Logger) {
        self.source = source
        self.configuration = configuration
        self.logger = logger
        sourceID = Array(source.name.utf8)
        inFlight = RetransmitWindow(minimumTimeout: configuration.ackTimeout)
        outcome = IngestOutcome(source: source.name)
        malformed = MalformedMessageLog(logger: logger)
        metrics = SourceMetrics(source: source.name)
        do {
            let output = try ZMQSocket(context, .push, highWaterMark: configuration.highWaterMark, lingerMilliseconds: 0)
            // Acknowledgements are tiny; a deep queue keeps the recorder's PUB from dropping them
            // while this thread waits on a full frame queue.
            let acks = try ZMQSocket(context, .subscribe, highWaterMark: 100_000, lingerMilliseconds: 0)
            try output.connect(configuration.frames)
            try acks.connect(configuration.acks)
            var previews: ZMQSocket?
            if configuration.previewInterval != nil {
                let socket = try ZMQSocket(context, .publish, highWaterMark: 2, lingerMilliseconds: 0)
                try socket.connect(configuration.previews)
                previews = socket
            }
            self.output = output
            self.acks = acks
            self.previews = previews
            setupError = nil
        } catch {
            output = nil
            acks = nil
            previews = nil
            setupError = "\(error)"
        }
    }

    func run(stop: StopSignal) -> IngestOutcome {
        guard let output, let acks else {
            outcome.failure = setupError
            return outcome
        }
        defer { source.close() }
        if let live = source as? LiveStreamSource {
            runLive(live, output: output, acks: acks, stop: stop)
        } else {
            runFile(output: output, acks: acks, stop: stop)
        }
        outcome.unacknowledged = inFlight.count
        metrics.inFlight.record(0)
        return outcome
    }

    private func runFile(output: ZMQSocket, acks: ZMQSocket, stop: StopSignal) {
        let start = ContinuousClock.now
        var exhausted = false
        do {
            while !stop.isRequested {
                if !exhausted && inFlight.count < configuration.window {
                    if let fps = configuration.framesPerSecond {
                        let due = start + .seconds(Double(outcome.framesRead) / fps)
                        let wait = due - ContinuousClock.now
                        if wait > .zero {
                            try receiveAcks(acks, waitingUpTo: min(wait, .milliseconds(100)))
                            continue
                        }
                    }
                    if let frame = try readFrame() {
                        try send(frame, on: output, waitingUntil: stop)
                    } else {
                        exhausted = true
                        logger.debug("source read to its end", metadata: ["source": "\(source.name)", "frames": "\(outcome.framesRead)"])
                    }
                    try receiveAcks(acks, waitingUpTo: .zero)
                } else if exhausted && inFlight.isEmpty {
                    return
                } else {
                    try receiveAcks(acks, waitingUpTo: .milliseconds(100))
                }
                try resendExpired(on: output)
            }
            try drain(acks)
        } catch {
            logger.error("ingest stopped", metadata: ["source": "\(source.name)", "error": "\(error)"])
            outcome.failure = "\(error)"
        }
    }

    private func runLive(_ live: LiveStreamSource, output: ZMQSocket, acks: ZMQSocket, stop: StopSignal) {
        do {
            while !stop.isRequested {
                try receiveAcks(acks, waitingUpTo: .zero)
                forgetExpired()
                countBufferDrops(live)
                guard inFlight.count < configuration.liveWindow else {
                    try receiveAcks(acks, waitingUpTo: .milliseconds(20))
                    continue
                }
                guard let frame = live.next(waitingUpTo: .milliseconds(50)) else { continue }
                outcome.framesRead += 1
                metrics.read.increment()
                let age = Double(SourceFrame.now() - frame.capturedAt) / 1e6
                if age > configuration.maxLag.inSeconds {
                    dropLive()
                    continue
                }
                if try !send(frame, on: output, waitingUntil: nil) { dropLive() }
            }
            countBufferDrops(live)
            try drain(acks)
        } catch {
            logger.error("ingest stopped", metadata: ["source": "\(source.name)", "error": "\(error)"])
            outcome.failure = "\(error)"
        }
    }

    /// Stop requested: no more reading; gives the frames in flight a bounded time to land.
    private func drain(_ acks: ZMQSocket) throws(ZMQError) {
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while !inFlight.isEmpty && ContinuousClock.now < deadline {
            try receiveAcks(acks, waitingUpTo: .milliseconds(50))
        }
    }

    private func dropLive() {
        outcome.framesDropped += 1
        metrics.dropped.increment()
    }

    /// Adds the frames the capture buffer dropped since the last look to the counts.
    private func countBufferDrops(_ live: LiveStreamSource) {
        let total = live.droppedFrames
        guard total > bufferDropsCounted else { return }
        let new = total - bufferDropsCounted
        bufferDropsCounted = total
        outcome.framesDropped += new
        metrics.dropped.increment(by: new)
    }

    /// Live frames not acknowledged within the timeout (`ackTimeout`, or longer when
    /// acknowledgements take longer) were lost in flight (a worker died, a
    /// queue was dropped): they are counted and forgotten, freeing the window.
    private func forgetExpired() {
        for seq in inFlight.expire(at: ContinuousClock.now) {
            outcome.framesLost += 1
            metrics.lost.increment()
            logger.debug("live frame lost in flight", metadata: ["source": "\(source.name)", "seq": "\(seq)"])
        }
    }

    /// The next frame, or nil at the end or when the source fails (recorded as the failure).
    private func readFrame() throws(ZMQError) -> SourceFrame? {
        do {
            guard let frame = try source.next() else { return nil }
            outcome.framesRead += 1
            metrics.read.increment()
            return frame
        } catch {
            logger.error("cannot read the source", metadata: ["source": "\(source.name)", "error": "\(error)"])
            outcome.failure = "\(error)"
            return nil
        }
    }

    /// Sends the frame and keeps it in flight; false when the pipeline had no room for it. With a
    /// stop signal (file sources) it waits for room until a stop request, which leaves the frame
    /// unsent (and counted); without one (live sources) it does not wait.
    @discardableResult
    private func send(_ frame: SourceFrame, on output: ZMQSocket, waitingUntil stop: StopSignal?) throws(ZMQError) -> Bool {
        let header = FrameHeader(
            kind: .frame, flags: source.producesStills ? [.acknowledged, .still] : .acknowledged, source: source.name, seq: frame.seq,
            capturedAt: frame.capturedAt, width: frame.width, height: frame.height)
        let parts = FrameMessage(header: header, image: frame.image).parts
        if let stop {
            while try !output.send(parts, timeoutMilliseconds: 100) {
                if stop.isRequested { return false }
            }
        } else if try !output.send(parts, timeoutMilliseconds: 0) {
            return false
        }
        inFlight.sent(frame.seq, parts: parts, at: ContinuousClock.now)
        metrics.sent.increment()
        metrics.inFlight.record(inFlight.count)
        try publishPreview(header: header, image: frame.image)
        return true
    }

    /// Offers the frame to live viewers if the last preview is old enough; never waits.
    private func publishPreview(header: FrameHeader, image: [UInt8]) throws(ZMQError) {
        guard let previews, let interval = configuration.previewInterval else { return }
        let now = ContinuousClock.now
        if let lastPreview, now - lastPreview < interval { return }
        lastPreview = now
        try previews.send(FrameMessage(header: header, image: image, kind: .preview).parts, timeoutMilliseconds: 0)
    }

    private func receiveAcks(_ acks: ZMQSocket, waitingUpTo wait: Duration) throws(ZMQError) {
        var timeout = wait.timeoutMilliseconds
        while let parts = try acks.receive(timeoutMilliseconds: timeout) {
            timeout = 0
            // Every source's thread hears every source's acknowledgements. The source id ends the
            // header, after the fields that differ from frame to frame, so a SUB prefix cannot
            // pick this source's out; comparing the id in place passes over the others' without
            // decoding them. One whose id cannot be found so is decoded, to be counted malformed.
            if let named = parts.first.flatMap(FrameHeader.encodedSource), !named.elementsEqual(sourceID) { continue }
            do throws(MalformedMessage) {
                let ack = try AckMessage(parts: parts)
                if inFlight.acknowledged(ack.header.seq, at: ContinuousClock.now) {
                    outcome.framesAcknowledged += 1
                    metrics.recorded.increment()
                    metrics.inFlight.record(inFlight.count)
                    let latency = SourceFrame.now() - ack.header.capturedAt
                    if latency >= 0 { metrics.latency.recordMicroseconds(latency) }
                }
            } catch {
                malformed.record(error, socket: "acks")
            }
        }
    }

    /// Sends again, in seq order, the frames not acknowledged in time (`ackTimeout`, or longer
    /// when acknowledgements take longer).
    private func resendExpired(on output: ZMQSocket) throws(ZMQError) {
        let now = ContinuousClock.now
        for (seq, parts) in inFlight.due(at: now).sorted(by: { $0.key < $1.key }) {
            // Never block here: a full queue means the pipeline is busy, and the frame will be due
            // again on the next pass.
            guard try output.send(parts, timeoutMilliseconds: 0) else { return }
            inFlight.resent(seq, at: now)
            outcome.resends += 1
            metrics.resent.increment()
            logger.debug("frame re-sent", metadata: ["source": "\(source.name)", "seq": "\(seq)"])
        }
    }
}
