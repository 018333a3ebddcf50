import FaceDetection
import Imaging
import Logging
import Messaging
import Metrics
import PipelineProtocol
import Timing

/// Where a detector takes frames from and sends faces to, and how it detects.
public struct DetectorServiceConfiguration: Sendable {
    /// The broker's frame queue (connect, PULL).
    public var frames: String
    /// The broker's face queue (connect, PUSH).
    public var faces: String
    /// Frames waiting in this worker: small, so that the broker hands frames to idle workers.
    public var highWaterMark: Int32
    /// Side of the face crops sent on: the classifier model's input size.
    public var cropSide: Int

    public init(
        endpoints: PipelineEndpoints = PipelineEndpoints(), highWaterMark: Int32 = 2, cropSide: Int
    ) {
        precondition((1...WireProtocol.maxCropSide).contains(cropSide), "a crop side the wire protocol carries")
        frames = endpoints.connect(.framesOut)
        faces = endpoints.connect(.facesIn)
        self.highWaterMark = highWaterMark
        self.cropSide = cropSide
    }
}

/// The detector stage: frames in, faces out, one frame at a time on a dedicated thread.
public enum DetectorService {
    /// `makeLocator` loads the detector on the service's thread, which alone uses it.
    public static func make(
        _ configuration: DetectorServiceConfiguration, makeLocator: @escaping @Sendable () throws -> FaceLocator, logger: Logger
    ) -> BlockingService {
        BlockingService(name: "moodwire.detector") { stop in
            let worker = DetectorWorker(locator: try makeLocator(), cropSide: configuration.cropSide, logger: logger)
            worker.warmUp()
            let context = ZMQContext()
            let input = try ZMQSocket(context, .pull, highWaterMark: configuration.highWaterMark)
            let output = try ZMQSocket(context, .push, highWaterMark: configuration.highWaterMark)
            try input.setMaxMessageSize(Int64(WireProtocol.maxImageBytes + 4096))
            try input.connect(configuration.frames)
            try output.connect(configuration.faces)
            let malformed = MalformedMessageLog(logger: logger)
            let frames = Counter(label: "moodwire.detector.frames")
            let faceCounter = Counter(label: "moodwire.detector.faces")
            let latency = Metrics.Timer(label: "moodwire.detector.latency")
            logger.info("detector ready", metadata: ["frames": "\(configuration.frames)", "faces": "\(configuration.faces)"])
            while !stop.isRequested {
                guard let parts = try input.receive(timeoutMilliseconds: 100) else { continue }
                let frame: FrameMessage
                do throws(MalformedMessage) {
                    frame = try FrameMessage(parts: parts)
                } catch {
                    malformed.record(error, socket: "frames")
                    continue
                }
                let start = ContinuousClock.now
                let faces = worker.faces(in: frame)
                latency.record(duration: ContinuousClock.now - start)
                frames.increment()
                faceCounter.increment(by: faces.faces.count)
                logger.trace(
                    "frame detected",
                    metadata: [
                        "source": "\(frame.header.source)", "seq": "\(frame.header.seq)",
                        "faces": "\(faces.faces.count)"
                    ])
                // Back-pressure from the classifiers: wait, but never past a stop request. A frame
                // dropped here is re-sent by its ingest if it was an acknowledged one.
                while try !output.send(faces.parts, timeoutMilliseconds: 100) {
                    if stop.isRequested { break }
                }
            }
        }
    }
}
