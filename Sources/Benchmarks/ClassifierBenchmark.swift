import Evaluation
import Foundation
import Imaging
import NeuralNetwork
import Timing

/// `moodwire bench classifier`: inference time per face at given batch sizes and thread counts,
/// on real face crops, reported as medians over repeated runs.
public struct ClassifierBenchmark {
    public struct Measurement: Sendable, Codable, Equatable {
        public let runtime: String
        public let threads: Int
        public let batch: Int
        public let medianMsPerFace: Double
        public let facesPerSecond: Double
        /// Achieved GFLOP/s (2 per multiply-accumulate) at the median.
        public let gflops: Double

        /// `multiplyAccumulates` per face turn the time into GFLOP/s.
        public init(runtime: String, threads: Int, batch: Int, medianMsPerFace: Double, multiplyAccumulates: Int) {
            self.runtime = runtime
            self.threads = threads
            self.batch = batch
            self.medianMsPerFace = medianMsPerFace
            self.facesPerSecond = 1000 / medianMsPerFace
            self.gflops = 2 * Double(multiplyAccumulates) / (medianMsPerFace * 1e-3) / 1e9
        }

        enum CodingKeys: String, CodingKey {
            case runtime, threads, batch, medianMsPerFace = "median_ms_per_face"
            case facesPerSecond = "faces_per_second", gflops
        }

        /// One line, aligned with the reference script's output.
        public var line: String {
            String(
                format: "%@  threads=%d  batch=%-3d median %.3f ms/face  %5.0f faces/s  %5.1f GFLOP/s",
                runtime, threads, batch, medianMsPerFace, facesPerSecond, gflops)
        }
    }

    public let network: Network
    /// Faces already resized to the network input and normalised, [count, H, W, C].
    private let inputs: [Float]
    private let faceCount: Int

    /// The first `count` images under `root` (every JPEG below it, paths sorted), preprocessed
    /// as the classifier does. The reference script takes the same images.
    public init(network: Network, faceRoot root: String, count: Int = 256) throws {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: root) else { throw EvaluationError.notAFolder(root) }
        let paths = enumerator.compactMap { $0 as? String }
            .filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }
            .sorted().prefix(count)
        guard !paths.isEmpty else { throw EvaluationError.noImages(root: root) }
        let decoder = JPEGDecoder()
        let table = network.normalization.table
        var inputs: [Float] = []
        for path in paths {
            let face = try decoder.decodeGray(contentsOf: root + "/" + path)
            let resized = BilinearResize.resize(face, width: network.inputShape.width, height: network.inputShape.height)
            inputs += resized.pixels.map { table[Int($0)] }
        }
        self.network = network
        self.inputs = inputs
        self.faceCount = paths.count
    }

    /// Times `batch`-sized runs on `threads` threads for about `seconds` after a warm-up.
    public func measure(threads: Int, batch: Int, seconds: Double) -> Measurement {
        let session = InferenceSession(network: network, maxBatch: batch, threads: threads)
        let faceFloats = network.inputShape.count
        var next = 0
        func fill() {
            for slot in 0..<batch {
                inputs.withUnsafeBufferPointer { source in
                    (session.input + slot * faceFloats).update(from: source.baseAddress! + next * faceFloats, count: faceFloats)
                }
                next = (next + 1) % faceCount
            }
        }
        let clock = ContinuousClock()
        let warmUpEnd = clock.now.advanced(by: .milliseconds(Int(max(0.2, seconds / 5) * 1000)))
        while clock.now < warmUpEnd {
            fill()
            session.run(batch: batch)
        }
        var durations: [Double] = []
        let end = clock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while clock.now < end || durations.count < 10 {
            fill()
            let start = clock.now
            session.run(batch: batch)
            let elapsed = clock.now - start
            durations.append(elapsed.inSeconds * 1e3)
        }
        let perFace = Self.median(durations) / Double(batch)
        return Measurement(
            runtime: "moodwire", threads: threads, batch: batch, medianMsPerFace: perFace,
            multiplyAccumulates: network.multiplyAccumulates)
    }

    /// Median time of each layer at `batch`, one thread: (layer, milliseconds per face, multiply-accumulates per face).
    public func profileLayers(batch: Int, runs: Int = 200) -> [(name: String, msPerFace: Double, multiplyAccumulates: Int)] {
        Self.profileLayers(of: network, inputs: inputs, batch: batch, runs: runs)
    }

    /// Median time of each layer of `network` on the first `batch` images of `inputs`, one thread:
    /// (layer, milliseconds per image, multiply-accumulates per image).
    public static func profileLayers(
        of network: Network, inputs: [Float], batch: Int, runs: Int
    ) -> [(name: String, msPerFace: Double, multiplyAccumulates: Int)] {
        let session = InferenceSession(network: network, maxBatch: batch, threads: 1)
        inputs.withUnsafeBufferPointer { source in
            session.input.update(from: source.baseAddress!, count: min(source.count, batch * network.inputShape.count))
        }
        var samples: [[Double]] = Array(repeating: [], count: network.layerCount)
        var layers = session.profileLayers(batch: batch)
        for _ in 0..<runs {
            layers = session.profileLayers(batch: batch)
            for (index, layer) in layers.enumerated() { samples[index].append(layer.seconds) }
        }
        return layers.indices.map { index in
            (layers[index].name, median(samples[index]) * 1000 / Double(batch), layers[index].multiplyAccumulates)
        }
    }

    /// GFLOP/s of OpenBLAS on a large square product on one thread: what this machine's BLAS
    /// attains when GEMM overheads vanish, the yardstick for the figures above.
    public static func blasPeak(size: Int = 1024, seconds: Double = 1) -> Double {
        Gemm.useCallingThreadOnly()
        let a = [Float](repeating: 0.5, count: size * size), b = [Float](repeating: 0.25, count: size * size)
        var c = [Float](repeating: 0, count: size * size)
        let clock = ContinuousClock()
        var durations: [Double] = []
        let end = clock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while clock.now < end || durations.count < 3 {
            let start = clock.now
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        Gemm.multiply(
                            m: size, n: size, k: size, a: a.baseAddress!, lda: size, b: b.baseAddress!, ldb: size,
                            c: c.baseAddress!, ldc: size)
                    }
                }
            }
            let elapsed = clock.now - start
            durations.append(elapsed.inSeconds)
        }
        return 2 * pow(Double(size), 3) / median(durations) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
