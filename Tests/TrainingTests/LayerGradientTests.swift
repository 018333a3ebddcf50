import ModelFormat
import NeuralNetwork
import Testing
import Training

/// Every layer's backward pass against central differences of its Double reference kernel, and
/// its fast forward against the same reference.
@Suite("Training layers: backward passes match finite differences")
struct LayerGradientTests {
    /// Same and valid padding, strides 1 and 2, a rectangular kernel, no bias, the 1x1 fast path, and
    /// the odd stride-1 "same" kernels that run on the inference kernels (with 16 channels, their
    /// 16-wide panels).
    @Test(
        "Conv2D",
        arguments: [
            (FeatureShape(height: 6, width: 5, channels: 3), 4, [3, 3], [1, 1], Padding.same, true),
            (FeatureShape(height: 5, width: 7, channels: 16), 16, [3, 3], [1, 1], Padding.same, false),
            (FeatureShape(height: 6, width: 4, channels: 3), 5, [5, 3], [1, 1], Padding.same, true),
            (FeatureShape(height: 7, width: 6, channels: 2), 3, [3, 3], [2, 2], Padding.same, false),
            (FeatureShape(height: 7, width: 5, channels: 2), 3, [5, 3], [1, 2], Padding.valid, true),
            (FeatureShape(height: 4, width: 4, channels: 5), 6, [1, 1], [1, 1], Padding.valid, true),
            (FeatureShape(height: 5, width: 5, channels: 4), 3, [1, 1], [2, 2], Padding.same, true)
        ])
    func conv2D(shape: FeatureShape, filters: Int, kernel: [Int], stride: [Int], padding: Padding, bias: Bool) {
        var random = SeededRandom(seed: 1)
        let layer = Conv2D(
            name: "conv", input: shape, filters: filters, kernel: (kernel[0], kernel[1]), stride: (stride[0], stride[1]),
            padding: padding, useBias: bias, random: &random)
        expectGradients(layer, batch: 2, random: &random)
    }

    @Test(
        "DepthwiseConv2D",
        arguments: [
            (FeatureShape(height: 5, width: 6, channels: 3), 1, 1, Padding.same, true),
            (FeatureShape(height: 6, width: 5, channels: 2), 2, 2, Padding.same, false),
            (FeatureShape(height: 5, width: 5, channels: 3), 1, 1, Padding.valid, true)
        ])
    func depthwise(shape: FeatureShape, multiplier: Int, stride: Int, padding: Padding, bias: Bool) {
        var random = SeededRandom(seed: 2)
        let layer = DepthwiseConv2D(
            name: "dw", input: shape, multiplier: multiplier, kernel: (3, 3), stride: (stride, stride), padding: padding,
            useBias: bias, random: &random)
        expectGradients(layer, batch: 2, random: &random)
    }

    @Test("SeparableConv2D", arguments: [(1, Padding.same), (2, Padding.valid)])
    func separable(stride: Int, padding: Padding) {
        var random = SeededRandom(seed: 3)
        let shape = FeatureShape(height: 6, width: 5, channels: 3)
        let layer = SeparableConv2D(
            name: "sep", input: shape, filters: 4, multiplier: 2, kernel: (3, 3), stride: (stride, stride), padding: padding,
            random: &random)
        #expect(layer.parameters.map(\.name) == ["sep/depthwise_kernel", "sep/pointwise_kernel", "sep/bias"])
        #expect(layer.parameters[1].shape == [1, 1, 6, 4])
        expectGradients(layer, batch: 2, random: &random)
    }

    @Test(
        "Dense, on a 1x1 map and on every pixel of a larger one",
        arguments: [FeatureShape(height: 1, width: 1, channels: 7), FeatureShape(height: 2, width: 3, channels: 4)])
    func dense(shape: FeatureShape) {
        var random = SeededRandom(seed: 4)
        let layer = Dense(name: "dense", input: shape, units: 5, random: &random)
        expectGradients(layer, batch: 3, random: &random)
    }

    @Test("BatchNormalization in training mode (batch statistics) and inference mode (moving statistics)", arguments: [true, false])
    func batchNorm(training: Bool) {
        var random = SeededRandom(seed: 5)
        let shape = FeatureShape(height: 3, width: 4, channels: 3)
        let layer = BatchNormalization(name: "bn", shape: shape)
        for parameter in layer.parameters { parameter.value = GradientCheck.randomFloats(3, random: &random, scale: 1.5) }
        layer.movingMean = GradientCheck.randomFloats(3, random: &random)
        layer.movingVariance = GradientCheck.randomFloats(3, random: &random).map { 1 + $0 * 0.5 }
        // Channels of different means and spreads, as real activations.
        let input = GradientCheck.randomFloats(2 * shape.count, random: &random).enumerated().map { i, v in v * Float(1 + i % 3) + Float(i % 3) }
        let errors = GradientCheck.check(layer, inputs: [input], batch: 2, training: training)
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
        #expect(errors["forward"]! < 1e-5)
    }

    @Test("BatchNormalization without gamma and beta")
    func batchNormWithoutAffine() {
        var random = SeededRandom(seed: 6)
        let shape = FeatureShape(height: 2, width: 2, channels: 2)
        let layer = BatchNormalization(name: "bn", shape: shape, scale: false, center: false)
        #expect(layer.parameters.isEmpty)
        let input = GradientCheck.randomFloats(3 * shape.count, random: &random)
        let errors = GradientCheck.check(layer, inputs: [input], batch: 3)
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
    }

    @Test("ReLU")
    func relu() {
        var random = SeededRandom(seed: 8)
        let shape = FeatureShape(height: 3, width: 3, channels: 4)
        let errors = GradientCheck.check(
            ReLU(name: "relu", shape: shape), inputs: [GradientCheck.randomFloats(2 * shape.count, random: &random)], batch: 2)
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
        #expect(errors["forward"]! == 0)
    }

    @Test(
        "Max and average pooling",
        arguments: [
            (Pooling2D.Kind.max, 2, 2, Padding.valid), (.max, 3, 2, .same), (.average, 2, 2, .valid), (.average, 3, 2, .same),
            (.max, 3, 1, .same), (.average, 2, 1, .valid)
        ])
    func pooling(kind: Pooling2D.Kind, pool: Int, stride: Int, padding: Padding) {
        var random = SeededRandom(seed: 9)
        let shape = FeatureShape(height: 5, width: 6, channels: 2)
        let layer = Pooling2D(name: "pool", kind: kind, input: shape, pool: (pool, pool), stride: (stride, stride), padding: padding)
        // Distinct values far apart against the difference step, so no perturbation changes which value wins a max.
        let count = 2 * shape.count
        let input = Array(0..<count).shuffled(using: &random).map { Float($0) / Float(count) * 2 - 1 }
        let errors = GradientCheck.check(layer, inputs: [input], batch: 2)
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
        #expect(errors["forward"]! < 1e-6)
    }

    @Test("GlobalAveragePool2D")
    func globalAveragePool() {
        var random = SeededRandom(seed: 10)
        let shape = FeatureShape(height: 3, width: 5, channels: 4)
        let layer = GlobalAveragePool2D(name: "gap", input: shape)
        let errors = GradientCheck.check(layer, inputs: [GradientCheck.randomFloats(3 * shape.count, random: &random)], batch: 3)
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
        #expect(layer.outputShape == FeatureShape(height: 1, width: 1, channels: 4))
    }

    @Test("Add of two and of three maps", arguments: [2, 3])
    func add(inputCount: Int) {
        var random = SeededRandom(seed: 11)
        let shape = FeatureShape(height: 2, width: 3, channels: 2)
        let inputs = (0..<inputCount).map { _ in GradientCheck.randomFloats(2 * shape.count, random: &random) }
        let errors = GradientCheck.check(Add(name: "add", shape: shape, inputCount: inputCount), inputs: inputs, batch: 2)
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
        #expect(errors.count == 1 + inputCount)
    }

    @Test("Dropout: gradient through the mask of the forward pass")
    func dropout() {
        var random = SeededRandom(seed: 12)
        let shape = FeatureShape(height: 4, width: 4, channels: 3)
        let layer = Dropout(name: "drop", shape: shape, rate: 0.4, random: &random)
        let input = GradientCheck.randomFloats(2 * shape.count, random: &random)
        let errors = GradientCheck.check(layer, inputs: [input], batch: 2)
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
        #expect(errors["forward"]! < 1e-6)
    }

    /// The check itself: a backward pass off by 1% is caught.
    @Test("A wrong gradient fails the check")
    func checkerCatchesErrors() {
        var random = SeededRandom(seed: 13)
        let shape = FeatureShape(height: 1, width: 1, channels: 4)
        let layer = Skewed(Dense(name: "dense", input: shape, units: 3, random: &random))
        let errors = GradientCheck.check(layer, inputs: [GradientCheck.randomFloats(2 * shape.count, random: &random)], batch: 2)
        #expect(errors["input 0"]! > 5e-3 && errors["forward"]! < 1e-5)
    }

    /// A layer whose input gradient is 1% too large.
    final class Skewed: TrainableLayer {
        let inner: any TrainableLayer
        init(_ inner: any TrainableLayer) { self.inner = inner }
        var name: String { inner.name }
        var inputShapes: [FeatureShape] { inner.inputShapes }
        var outputShape: FeatureShape { inner.outputShape }
        var parameters: [Parameter] { inner.parameters }
        func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] { inner.forward(inputs: inputs, batch: batch, training: training) }
        func backward(outputGradient: [Float]) -> [[Float]] { inner.backward(outputGradient: outputGradient).map { $0.map { $0 * 1.01 } } }
        func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
            inner.referenceForward(inputs: inputs, parameters: parameters, batch: batch, training: training)
        }
    }

    /// Checks a weighted layer on random inputs, with random biases (they start at zero) so the
    /// forward check sees them.
    private func expectGradients(_ layer: some TrainableLayer, batch: Int, random: inout SeededRandom) {
        for parameter in layer.parameters where parameter.name.hasSuffix("/bias") {
            parameter.value = GradientCheck.randomFloats(parameter.value.count, random: &random)
        }
        let input = GradientCheck.randomFloats(batch * layer.inputShapes[0].count, random: &random)
        let errors = GradientCheck.check(layer, inputs: [input], batch: batch)
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
        #expect(errors["forward"]! < 1e-5)
    }
}

@Suite("The network input's gradient")
struct InputGradientTests {
    @Test("A convolution told not to compute its input's gradient gives the same weight gradients and zeros for the input")
    func skipped() {
        var random = SeededRandom(seed: 12)
        let shape = FeatureShape(height: 6, width: 5, channels: 2)
        let input = GradientCheck.randomFloats(3 * shape.count, random: &random)
        var results: [([Float], [Float], [Float])] = []
        for computes in [true, false] {
            var weights = SeededRandom(seed: 13)
            let conv = Conv2D(name: "c", input: shape, filters: 4, kernel: (3, 3), padding: .same, random: &weights)
            conv.computesInputGradient = computes
            let output = conv.forward(input, batch: 3, training: true)
            var upstream = SeededRandom(seed: 14)
            let inputGradient = conv.backward(GradientCheck.randomFloats(output.count, random: &upstream))
            results.append((conv.kernel.gradient, conv.bias!.gradient, inputGradient))
        }
        #expect(results[0].0 == results[1].0 && results[0].1 == results[1].1)
        #expect(results[1].2.allSatisfy { $0 == 0 } && results[1].2.count == results[0].2.count)
        #expect(results[0].2.contains { $0 != 0 })
    }
}
