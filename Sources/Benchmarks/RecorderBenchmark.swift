import Foundation
import Imaging
import Logging
import PipelineProtocol
import ResultDatabase
import Timing

/// Insert throughput of `ResultStore`: synthetic results (one source, `facesPerFrame` faces per
/// frame with varied probabilities) recorded into a new database in transactions of `batch` frames,
/// as the recorder does. `bench/reference/recorder_sqlite3.py` inserts the same rows into the same
/// schema with Python's `sqlite3.executemany` for comparison.
public enum RecorderBenchmark {
    public struct Measurement: Sendable, Codable, Equatable {
        public let frames: Int
        public let facesPerFrame: Int
        public let batch: Int
        public let runs: Int
        /// Median over the runs of the time to record every frame (schema creation not included).
        public let medianSeconds: Double
        public let faceRowsPerSecond: Double
        public let framesPerSecond: Double

        public init(frames: Int, facesPerFrame: Int, batch: Int, runs: Int, medianSeconds: Double) {
            self.frames = frames
            self.facesPerFrame = facesPerFrame
            self.batch = batch
            self.runs = runs
            self.medianSeconds = medianSeconds
            self.faceRowsPerSecond = Double(frames * facesPerFrame) / medianSeconds
            self.framesPerSecond = Double(frames) / medianSeconds
        }

        /// The reference script's key names.
        enum CodingKeys: String, CodingKey {
            case frames, facesPerFrame = "faces_per_frame", batch, runs, medianSeconds = "median_seconds"
            case faceRowsPerSecond = "face_rows_per_second", framesPerSecond = "frames_per_second"
        }

        public var line: String {
            String(
                format: "%d frames x %d faces, %d frames per transaction: median %.3f s, %.0f face rows/s, %.0f frames/s",
                frames, facesPerFrame, batch, medianSeconds, faceRowsPerSecond, framesPerSecond)
        }
    }

    /// Runs the benchmark `runs` times, each on a new database at `path` (a scratch file: it and
    /// its `-wal` and `-shm` files are deleted before each run; the last run's rows stay).
    public static func run(path: String, frames: Int, facesPerFrame: Int, batch: Int, runs: Int = 5) throws(ResultDatabaseError) -> Measurement {
        precondition(frames > 0 && facesPerFrame >= 0 && batch > 0 && runs > 0, "positive sizes")
        let results = syntheticResults(frames: frames, facesPerFrame: facesPerFrame)
        let batches = stride(from: 0, to: frames, by: batch).map { Array(results[$0..<min($0 + batch, frames)]) }
        var logger = Logger(label: "moodwire.recorder.benchmark")
        logger.logLevel = .warning
        var seconds: [Double] = []
        for _ in 0..<runs {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let store = try ResultStore(path: path, logger: logger)
            let clock = ContinuousClock()
            let start = clock.now
            do {
                for batch in batches {
                    try store.record(batch, processedAt: Int64(Date().timeIntervalSince1970 * 1e6))
                }
            } catch {
                throw .sqlite(error)
            }
            let elapsed = clock.now - start
            seconds.append(elapsed.inSeconds)
        }
        seconds.sort()
        let median =
            seconds.count % 2 == 1
            ? seconds[seconds.count / 2]
            : (seconds[seconds.count / 2 - 1] + seconds[seconds.count / 2]) / 2
        return Measurement(frames: frames, facesPerFrame: facesPerFrame, batch: batch, runs: runs, medianSeconds: median)
    }

    /// Frame `frame` of source "bench", 30 frames per second from 2023-11-14 22:13:20 UTC; face
    /// `face` has probabilities proportional to `1 + (7 * frame + 3 * face + 5 * k) % 11` for
    /// emotion k. The reference script builds the same rows.
    static func syntheticResults(frames: Int, facesPerFrame: Int) -> [ResultsMessage] {
        (0..<frames).map { frame in
            let header = FrameHeader(
                kind: .results, source: "bench", seq: UInt64(frame),
                capturedAt: 1_700_000_000_000_000 + Int64(frame) * 33_333,
                width: 1280, height: 720, detectMicros: 21_000, classifyMicros: 900)
            var faces: [DetectedFace] = []
            var probabilities: [Float] = []
            for face in 0..<facesPerFrame {
                let box = PixelRect(x: 10 + 100 * face, y: 200, width: 96, height: 96)
                let keypoints = (0..<DetectedFace.keypointNames.count).map {
                    FramePoint(x: Float(box.x + 16 * $0) + 0.25, y: Float(box.y + 40) + 0.5)
                }
                faces.append(DetectedFace(box: box, score: 0.75, keypoints: keypoints))
                let weights = (0..<7).map { Float(1 + (7 * frame + 3 * face + 5 * $0) % 11) }
                let total = weights.reduce(0, +)
                probabilities += weights.map { $0 / total }
            }
            return ResultsMessage(header: header, faces: faces, probabilities: probabilities)
        }
    }
}
