import Foundation
import ModelFormat
import Timing
import Training

/// `moodwire bench train`: training images per second (forward, backward and the SGD update, at
/// one batch size) for an architecture on real faces, as the median over timed steps. The
/// reference script trains the same graph on the same images in Keras.
public struct TrainingBenchmark {
    public struct Measurement: Sendable, Codable, Equatable {
        public let runtime: String
        public let threads: Int
        public let batch: Int
        public let medianMsPerStep: Double
        public let imagesPerSecond: Double

        public init(runtime: String, threads: Int, batch: Int, medianMsPerStep: Double) {
            self.runtime = runtime
            self.threads = threads
            self.batch = batch
            self.medianMsPerStep = medianMsPerStep
            imagesPerSecond = Double(batch) / (medianMsPerStep / 1000)
        }

        enum CodingKeys: String, CodingKey {
            case runtime, threads, batch, medianMsPerStep = "median_ms_per_step", imagesPerSecond = "images_per_second"
        }

        /// One line, aligned with the reference script's output.
        public var line: String {
            String(
                format: "%@  threads=%d  batch=%-3d median %.1f ms/step  %6.1f images/s", runtime, threads, batch,
                medianMsPerStep, imagesPerSecond)
        }
    }

    public let graph: ModelGraph
    public let images: ImageSet

    public init(graph: ModelGraph, images: ImageSet) {
        self.graph = graph
        self.images = images
    }

    /// Each layer's median forward and backward time per image on one thread, over `runs` passes
    /// of one shard (`batch` / 2 images, as a step of `moodwire train` gives each replica).
    public func profileLayers(batch: Int, runs: Int = 10) throws -> [(name: String, forwardMs: Double, backwardMs: Double)] {
        let graph = try TrainingGraph(self.graph, seed: 1)
        graph.skipInputGradient()
        let shard = max(1, batch / 2), pixels = images.side * images.side
        let table = Architecture.normalization.table
        let input = (0..<(shard * pixels)).map { table[Int(images.pixels[$0 % images.pixels.count])] }
        let gradient = [Float](repeating: 1e-3, count: shard * graph.outputShape.count)
        var forward: [[Double]] = Array(repeating: [], count: graph.steps.count), backward = forward
        var names: [String] = []
        for _ in 0..<(runs + 1) {
            let layers = graph.profile(input, batch: shard, outputGradient: gradient)
            names = layers.map(\.name)
            for (index, layer) in layers.enumerated() {
                forward[index].append(layer.forward)
                backward[index].append(layer.backward)
            }
        }
        func median(_ values: ArraySlice<Double>) -> Double { values.sorted()[values.count / 2] }
        // The first pass warms the caches and the allocator up and is left out.
        return names.indices.map {
            (names[$0], median(forward[$0].dropFirst()) * 1000 / Double(shard), median(backward[$0].dropFirst()) * 1000 / Double(shard))
        }
    }

    /// Times training steps on `threads` threads (the batch in two shards, as `moodwire train`
    /// runs it) for about `seconds` after two warm-up steps, at least five timed steps.
    public func measure(threads: Int, batch: Int, seconds: Double) throws -> Measurement {
        var settings = TrainingSettings()
        settings.batchSize = batch
        settings.augment = false
        settings.warmupEpochs = 0
        settings.epochs = 1_000_000
        let trainer = try Trainer(graph: graph, images: images, settings: settings, threads: threads)
        for _ in 0..<2 { _ = try trainer.step() }
        var times: [Double] = []
        let start = ContinuousClock.now
        while times.count < 5 || (ContinuousClock.now - start).inSeconds < seconds {
            let stepStart = ContinuousClock.now
            _ = try trainer.step()
            times.append((ContinuousClock.now - stepStart).inSeconds * 1000)
        }
        times.sort()
        return Measurement(runtime: "moodwire", threads: threads, batch: batch, medianMsPerStep: times[times.count / 2])
    }
}
