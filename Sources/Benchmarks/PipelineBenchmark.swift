import ClassifierStage
import CommandLineSupport
import DetectorStage
import EmotionClassification
import FaceDetection
import Foundation
import Ingest
import Logging
import Messaging
import PipelineProtocol
import StageOptions
import Supervisor
import Synchronization
import Timing

/// `moodwire bench pipeline`: the whole stack against its own detector.
///
/// 1. The detector alone, in this process: the video's frames (the same JPEGs the ingest sends)
///    decoded and searched by `detectors` threads at once, one frame per thread: the most frames
///    per second these cores give the detector stage, with nothing else running.
/// 2. The single-frame processing time: one frame decoded, detected and classified, median.
/// 3. The stack (`moodwire up`'s processes) playing the video at full speed: sustained frames/s and
///    faces/s between the first and the last acknowledgement, capture-to-recorded latency.
/// 4. The stack paced at a camera's rate (30 frames/s unless told; never above half the full
///    speed): latency p50 and p99 when nothing queues.
/// 5. The recorder's SQLite insert rate on its own.
/// Peak resident memory of every stage process is sampled throughout.
public struct PipelineBenchmark {
    public struct Configuration: Sendable {
        public var video: String
        public var executableDirectory: String
        public var detectors: Int
        public var classifiers: Int
        public var basePort: Int
        /// The detector of the detector-alone runs and of the stack.
        public var detection: DetectionArguments
        public var modelPath: String
        public var workDirectory: String
        /// The paced run's frame rate.
        public var pacedFramesPerSecond: Double

        public init(
            video: String, executableDirectory: String, detectors: Int = 2, classifiers: Int = 1, basePort: Int,
            detection: DetectionArguments, modelPath: String, workDirectory: String, pacedFramesPerSecond: Double = 30
        ) {
            self.pacedFramesPerSecond = pacedFramesPerSecond
            self.video = video
            self.executableDirectory = executableDirectory
            self.detectors = detectors
            self.classifiers = classifiers
            self.basePort = basePort
            self.detection = detection
            self.modelPath = modelPath
            self.workDirectory = workDirectory
        }
    }

    public struct StackRun: Sendable, Codable {
        public var frames: Int
        public var faces: Int
        public var framesPerSecond: Double
        public var facesPerSecond: Double
        public var latencyP50Milliseconds: Double
        public var latencyP99Milliseconds: Double
        public var pacedAt: Double?
    }

    public struct Result: Sendable, Codable {
        public var frameWidth: Int
        public var frameHeight: Int
        public var frameCount: Int
        /// The detector's name (`--detector`).
        public var detector: String
        public var detectors: Int
        public var classifiers: Int
        public var detectorAloneFramesPerSecond: Double
        public var singleFrameMilliseconds: Double
        public var fullSpeed: StackRun
        public var paced: StackRun
        public var recorderFaceRowsPerSecond: Double
        public var peakResidentMegabytes: [String: Double]

        /// Stack frames/s over detector-alone frames/s.
        public var pipelineShare: Double { fullSpeed.framesPerSecond / detectorAloneFramesPerSecond }
    }

    public let configuration: Configuration
    private let logger: Logger

    /// The recorder's own insert test: synthetic frames in transactions of the recorder's
    /// default size.
    public static let recorderFrames = 20_000
    public static let recorderFacesPerFrame = 4
    public static let recorderBatch = 1024

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run(progress: (String) -> Void) throws -> Result {
        progress("reading the video's frames")
        let frames = try Self.frames(of: configuration.video)
        guard let first = frames.first else { throw BenchmarkError.noFrames(configuration.video) }
        // Loaded once here so that a bad detector fails before anything runs.
        _ = try configuration.detection.makeLocator(threads: 1)

        progress("detector alone, \(configuration.detectors) thread(s)")
        let classifier = try EmotionClassifier(modelPath: configuration.modelPath, maxBatch: 32)
        let cropSide = classifier.network.inputShape.width
        let alone = (0..<3).map { _ in detectorAlone(frames, threads: configuration.detectors, cropSide: cropSide) }.sorted()[1]

        progress("single-frame processing time")
        let single = try singleFrameMilliseconds(frames, classifier: classifier)

        progress("stack at full speed")
        var peaks: [String: Int] = [:]
        let fullSpeed = try stackRun(name: "full", fps: nil, peaks: &peaks)
        let pace = min(configuration.pacedFramesPerSecond, fullSpeed.framesPerSecond / 2)
        progress("stack paced at \(String(format: "%.1f", pace)) frames/s")
        let paced = try stackRun(name: "paced", fps: pace, peaks: &peaks)

        progress("recorder inserts")
        let recorder = try RecorderBenchmark.run(
            path: configuration.workDirectory + "/recorder-bench.db",
            frames: Self.recorderFrames, facesPerFrame: Self.recorderFacesPerFrame,
            batch: Self.recorderBatch)

        return Result(
            frameWidth: first.header.width, frameHeight: first.header.height, frameCount: frames.count,
            detector: configuration.detection.detector.rawValue, detectors: configuration.detectors, classifiers: configuration.classifiers,
            detectorAloneFramesPerSecond: alone, singleFrameMilliseconds: single,
            fullSpeed: fullSpeed, paced: paced, recorderFaceRowsPerSecond: recorder.faceRowsPerSecond,
            peakResidentMegabytes: peaks.mapValues { Double($0) / 1_048_576 })
    }

    /// The frames exactly as the ingest sends them.
    static func frames(of video: String) throws -> [FrameMessage] {
        let source = try VideoFileSource(name: "bench", path: video)
        defer { source.close() }
        var frames: [FrameMessage] = []
        while let frame = try source.next() {
            frames.append(
                FrameMessage(
                    header: FrameHeader(
                        kind: .frame, source: "bench", seq: frame.seq, capturedAt: frame.capturedAt,
                        width: frame.width, height: frame.height), image: frame.image))
        }
        return frames
    }

    /// Frames per second of `threads` detector workers sharing the frames, one frame each at a time.
    func detectorAlone(_ frames: [FrameMessage], threads: Int, cropSide: Int) -> Double {
        let next = Atomic<Int>(0)
        let start = ContinuousClock.now
        let group = DispatchGroup()
        let logger = logger
        let work = Handover(frames)
        let detection = configuration.detection
        for _ in 0..<threads {
            group.enter()
            Thread {
                // Loaded before (in `run`), so it loads here too.
                let worker = DetectorWorker(locator: try! detection.makeLocator(threads: 1), cropSide: cropSide, logger: logger)
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < work.value.count else { break }
                    _ = worker.faces(in: work.value[index])
                }
                group.leave()
            }.start()
        }
        group.wait()
        return Double(frames.count) / (ContinuousClock.now - start).inSeconds
    }

    /// Median of decode + detect + crop + classify for one frame at a time, one thread.
    func singleFrameMilliseconds(_ frames: [FrameMessage], classifier model: EmotionClassifier) throws -> Double {
        let worker = DetectorWorker(
            locator: try configuration.detection.makeLocator(threads: 1), cropSide: model.network.inputShape.width, logger: logger)
        let classifier = ClassifierWorker(classifier: model)
        var times: [Double] = []
        for frame in frames.prefix(120) {
            let start = ContinuousClock.now
            _ = classifier.results(for: [worker.faces(in: frame)])
            times.append((ContinuousClock.now - start).inSeconds * 1000)
        }
        return Self.percentile(times, 0.5)
    }

    func stackRun(name: String, fps: Double?, peaks: inout [String: Int]) throws -> StackRun {
        let database = configuration.workDirectory + "/pipeline-\(name).db"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        var stages = try StageArguments.parse([])
        stages.detection = configuration.detection
        stages.ingest.sources = ["\(name)=\(configuration.video)"]
        stages.ingest.fps = fps ?? 0
        stages.database.db = database
        let stack = StackConfiguration(
            stages: stages, executableDirectory: configuration.executableDirectory, detectors: configuration.detectors,
            classifiers: configuration.classifiers, basePort: configuration.basePort, collectLatencies: true)
        let supervisor = try StackSupervisor(configuration: stack, logger: logger)
        try supervisor.run(stop: StopSignal())
        let summary = supervisor.summary
        guard summary.completed, let firstAck = summary.firstAck, let lastAck = summary.lastAck, summary.totalFrames > 1 else {
            throw BenchmarkError.stackDidNotFinish(name)
        }
        for (stage, bytes) in summary.peakResidentBytes { peaks[stage] = max(peaks[stage] ?? 0, bytes) }
        let span = (lastAck - firstAck).inSeconds
        return StackRun(
            frames: summary.totalFrames, faces: summary.totalFaces,
            framesPerSecond: Double(summary.totalFrames - 1) / span,
            facesPerSecond: Double(summary.totalFaces) / span,
            latencyP50Milliseconds: Self.percentile(summary.latencies, 0.5) * 1000,
            latencyP99Milliseconds: Self.percentile(summary.latencies, 0.99) * 1000,
            pacedAt: fps)
    }

    /// The nearest-rank percentile.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))]
    }
}

public enum BenchmarkError: Error, CustomStringConvertible {
    case noFrames(String)
    case stackDidNotFinish(String)

    public var description: String {
        switch self {
        case .noFrames(let video): "\(video) has no frames"
        case .stackDidNotFinish(let run): "the \(run) run of the stack did not record every frame"
        }
    }
}
