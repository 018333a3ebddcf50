import NeuralNetwork
import Testing
import Training

@Suite("Seeded initialisation, state updates and determinism")
struct DeterminismTests {
    @Test("The generator's normal samples have mean 0 and variance 1")
    func normalSampler() {
        var random = SeededRandom(seed: 31)
        let samples = (0..<20_000).map { _ in random.normal() }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.05)
    }

    @Test("He initialisation: deviation sqrt(2 / fan-in), truncated at two deviations of the underlying normal")
    func heNormal() {
        var random = SeededRandom(seed: 32)
        let fanIn = 50
        let weights = random.heNormal(count: 20_000, fanIn: fanIn).map(Double.init)
        let deviation = (weights.reduce(0) { $0 + $1 * $1 } / Double(weights.count)).squareRoot()
        let target = (2 / Double(fanIn)).squareRoot()
        #expect(abs(deviation / target - 1) < 0.03)
        #expect(weights.allSatisfy { abs($0) <= 2 * target / 0.879_625_661_034_239_78 + 1e-6 })
    }

    @Test("Same seed, same weights and same forward output; another seed, other weights")
    func sameSeed() throws {
        let first = try TrainingGraph(nodes: GraphTests.residualNet, output: "logits", seed: 42)
        let second = try TrainingGraph(nodes: GraphTests.residualNet, output: "logits", seed: 42)
        let other = try TrainingGraph(nodes: GraphTests.residualNet, output: "logits", seed: 43)
        #expect(first.parameters.map(\.value) == second.parameters.map(\.value))
        #expect(first.parameters.map(\.value) != other.parameters.map(\.value))
        var random = SeededRandom(seed: 1)
        let input = GradientCheck.randomFloats(2 * first.inputShape.count, random: &random)
        #expect(first.forward(input, batch: 2, training: true) == second.forward(input, batch: 2, training: true))
        #expect(first.forward(input, batch: 2, training: false) == second.forward(input, batch: 2, training: false))
    }

    @Test("BatchNormalization moves its statistics as Keras: moving * 0.99 + batch * 0.01")
    func movingStatistics() {
        let layer = BatchNormalization(name: "bn", shape: FeatureShape(height: 1, width: 2, channels: 2))
        // Channel 0 holds 1, 3, 1, 3 (mean 2, variance 1); channel 1 holds 5 everywhere (variance 0).
        let output = layer.forward([1, 5, 3, 5, 1, 5, 3, 5], batch: 2, training: true)
        #expect(abs(layer.movingMean[0] - 0.02) < 1e-7 && abs(layer.movingMean[1] - 0.05) < 1e-7)
        #expect(abs(layer.movingVariance[0] - 1) < 1e-7 && abs(layer.movingVariance[1] - 0.99) < 1e-7)
        let normalized = 1 / Float(1 + 1e-3).squareRoot()
        #expect(abs(output[0] + normalized) < 1e-6 && abs(output[2] - normalized) < 1e-6 && output[1] == 0)
        // Inference uses the moving statistics: (x - 0.02) / sqrt(1 + 0.001).
        let inference = layer.forward([1, 5, 3, 5], batch: 1, training: false)
        #expect(abs(inference[0] - 0.98 * normalized) < 1e-6)
    }

    @Test("Dropout drops about `rate` of the values, scales the rest by 1 / (1 - rate), and is the identity in inference")
    func dropoutMask() {
        var random = SeededRandom(seed: 33)
        let shape = FeatureShape(height: 10, width: 10, channels: 10)
        let layer = Dropout(name: "drop", shape: shape, rate: 0.25, random: &random)
        let input = [Float](repeating: 1, count: 10 * shape.count)
        let output = layer.forward(input, batch: 10, training: true)
        let dropped = Double(output.filter { $0 == 0 }.count) / Double(output.count)
        #expect(abs(dropped - 0.25) < 0.02)
        #expect(output.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        #expect(layer.forward(input, batch: 10, training: true) != output, "a fresh mask per training step")
        #expect(layer.forward(input, batch: 10, training: false) == input)
    }
}
