import Benchmarks
import Testing
import Training

@Suite("bench train")
struct TrainingBenchmarkTests {
    @Test("Times training steps at the batch and thread count asked for; images/s follow from the median step")
    func measuresSteps() throws {
        var random = SeededRandom(seed: 4)
        let labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
        let images = ImageSet(
            labels: labels, side: 16, pixels: (0..<(64 * 256)).map { _ in UInt8(random.next() % 256) },
            classes: (0..<64).map { $0 % 7 })
        let graph = Architecture.vgg(widths: [4], convolutionsPerStage: 1, inputSide: 16, dropout: 0.5).graph(classes: 7)
        let measurement = try TrainingBenchmark(graph: graph, images: images).measure(threads: 2, batch: 16, seconds: 0.1)
        #expect(measurement.threads == 2 && measurement.batch == 16 && measurement.runtime == "moodwire")
        #expect(measurement.medianMsPerStep > 0)
        #expect(abs(measurement.imagesPerSecond - 16 / (measurement.medianMsPerStep / 1000)) < 1e-6)
        #expect(measurement.line.contains("images/s"))
    }
}
