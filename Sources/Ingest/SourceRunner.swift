import Foundation
import Logging
import Messaging
import Shared

/// One source's send-and-acknowledge loop, on its own thread with its own sockets.
final class SourceRunner {
    private var source: any FrameSource
    private let configuration: IngestServiceConfiguration
    private let logger: Logger
    private let output: ZMQSocket?
    private let acks: ZMQSocket?
    private let previews: ZMQSocket?
    private var lastPreview: ContinuousClock.Instant?
    private let setupError: String?
    private var inFlight: [UInt64: (parts: [[UInt8]], sentAt: ContinuousClock.Instant)] = [:]
    private var outcome: IngestOutcome
    private let malformed: MalformedMessageLog

    init(source: any FrameSource, configuration: IngestServiceConfiguration, context: ZMQContext, logger: Logger) {
        self.source = source
        self.configuration = configuration
        self.logger = logger
        outcome = IngestOutcome(source: source.name)
        malformed = MalformedMessageLog(logger: logger)
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
                        try send(frame, on: output, stop: stop)
                    } else {
                        exhausted = true
                        logger.debug("source read to its end", metadata: ["source": "\(source.name)", "frames": "\(outcome.framesRead)"])
                    }
                    try receiveAcks(acks, waitingUpTo: .zero)
                } else if exhausted && inFlight.isEmpty {
                    return outcome
                } else {
                    try receiveAcks(acks, waitingUpTo: .milliseconds(100))
                }
                try resendExpired(on: output)
            }
            // Stop requested: no more reading; give the frames in flight a bounded time to land.
            let deadline = ContinuousClock.now + configuration.drainTimeout
            while !inFlight.isEmpty && ContinuousClock.now < deadline {
                try receiveAcks(acks, waitingUpTo: .milliseconds(50))
            }
        } catch {
            logger.error("ingest stopped", metadata: ["source": "\(source.name)", "error": "\(error)"])
            outcome.failure = "\(error)"
        }
        outcome.unacknowledged = inFlight.count
        return outcome
    }

    /// The next frame, or nil at the end or when the source fails (recorded as the failure).
    private func readFrame() throws(ZMQError) -> SourceFrame? {
        do {
            guard let frame = try source.next() else { return nil }
            outcome.framesRead += 1
            return frame
        } catch {
            logger.error("cannot read the source", metadata: ["source": "\(source.name)", "error": "\(error)"])
            outcome.failure = "\(error)"
            return nil
        }
    }

    private func send(_ frame: SourceFrame, on output: ZMQSocket, stop: StopSignal) throws(ZMQError) {
        let header = FrameHeader(kind: .frame, flags: .acknowledged, source: source.name, seq: frame.seq,
                                 capturedAt: frame.capturedAt, width: frame.width, height: frame.height)
        let parts = FrameMessage(header: header, image: frame.image).parts
        // Wait for room in the pipeline; a stop request leaves the frame unsent (and counted).
        while try !output.send(parts, timeoutMilliseconds: 100) {
            if stop.isRequested { return }
        }
        inFlight[frame.seq] = (parts, ContinuousClock.now)
        try publishPreview(header: header, image: frame.image)
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
            do throws(MalformedMessage) {
                let ack = try AckMessage(parts: parts)
                if ack.header.source == source.name, inFlight.removeValue(forKey: ack.header.seq) != nil {
                    outcome.framesAcknowledged += 1
                }
            } catch {
                malformed.record(error, socket: "acks")
            }
        }
    }

    private func resendExpired(on output: ZMQSocket) throws(ZMQError) {
        let now = ContinuousClock.now
        for seq in inFlight.keys.sorted() {
            guard let entry = inFlight[seq], now - entry.sentAt >= configuration.ackTimeout else { continue }
            // Never block here: a full queue means the pipeline is busy, and the frame will be due
            // again on the next pass.
            guard try output.send(entry.parts, timeoutMilliseconds: 0) else { return }
            inFlight[seq] = (entry.parts, now)
            outcome.resends += 1
            logger.debug("frame re-sent", metadata: ["source": "\(source.name)", "seq": "\(seq)"])
        }
    }
}
