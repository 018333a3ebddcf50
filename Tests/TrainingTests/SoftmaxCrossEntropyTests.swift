import Foundation
import Testing
import Training

@Suite("Softmax cross-entropy with label smoothing")
struct SoftmaxCrossEntropyTests {
    @Test("Two classes by hand: softmax(0, ln 3) = (1/4, 3/4), smoothing 0.1 targets (0.05, 0.95)")
    func handComputed() {
        let loss = SoftmaxCrossEntropy(labelSmoothing: 0.1)
        let result = loss.evaluate(logits: [0, Float(log(3.0))], labels: [1], classes: 2)
        let expected = -(0.05 * log(0.25) + 0.95 * log(0.75))
        #expect(abs(Double(result.loss) - expected) < 1e-6)
        #expect(abs(result.gradient[0] - 0.2) < 1e-6)
        #expect(abs(result.gradient[1] + 0.2) < 1e-6)
    }

    @Test("Equal logits: the loss is ln K whatever the smoothing; the gradient is (1/K - q) / N")
    func uniformLogits() {
        let loss = SoftmaxCrossEntropy(labelSmoothing: 0.2)
        let result = loss.evaluate(logits: [Float](repeating: 0, count: 8), labels: [0, 3], classes: 4)
        #expect(abs(Double(result.loss) - log(4.0)) < 1e-6)
        // q = 0.85 for the label, 0.05 for the others; N = 2.
        let expected: [Float] = [-0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, -0.3]
        #expect(zip(result.gradient, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(result.gradient)")
    }

    @Test("Loss and gradient against the Double reference and its finite differences", arguments: [0, 0.1])
    func finiteDifferences(smoothing: Float) {
        var random = SeededRandom(seed: 21)
        let classes = 5, labels = [0, 4, 2]
        let logits = GradientCheck.randomFloats(labels.count * classes, random: &random, scale: 3)
        let loss = SoftmaxCrossEntropy(labelSmoothing: smoothing)
        let result = loss.evaluate(logits: logits, labels: labels, classes: classes)
        let logits64 = logits.map(Double.init)
        #expect(abs(Double(result.loss) - loss.referenceLoss(logits: logits64, labels: labels, classes: classes)) < 1e-6)
        let numeric = GradientCheck.numericGradient(at: logits64, upstream: [1]) { probe in
            [loss.referenceLoss(logits: probe, labels: labels, classes: classes)]
        }
        #expect(GradientCheck.relativeError(result.gradient, numeric) < 1e-4)
    }

    @Test("Large logits stay finite")
    func stability() {
        let result = SoftmaxCrossEntropy().evaluate(logits: [1000, -1000, 0], labels: [1], classes: 3)
        #expect(abs(result.loss - 2000) < 1e-2)
        #expect(result.gradient.allSatisfy { $0.isFinite })
    }
}
