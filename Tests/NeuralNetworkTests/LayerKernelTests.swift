import ModelFormat
import TestSupport
import Testing

@testable import NeuralNetwork

/// Each fast kernel against its naive reference kernel, on random data, with the work split
/// into one and into several ranges (as threads split it).
@Suite("Layer kernels match their reference kernels")
struct LayerKernelTests {
    static let tolerance: Float = 2e-5

    struct ConvCase: CustomTestStringConvertible, Sendable {
        var input: FeatureShape
        var filters: Int
        var kernel: (Int, Int)
        var stride: (Int, Int)
        var padding: Padding
        var relu: Bool
        var testDescription: String {
            "\(input) k\(kernel) s\(stride) \(padding) -> \(filters)\(relu ? " relu" : "")"
        }
    }

    static let convCases: [ConvCase] = [
        ConvCase(input: FeatureShape(height: 12, width: 11, channels: 1), filters: 8, kernel: (3, 3), stride: (1, 1), padding: .valid, relu: true),
        ConvCase(input: FeatureShape(height: 10, width: 10, channels: 8), filters: 8, kernel: (3, 3), stride: (1, 1), padding: .valid, relu: false),
        ConvCase(input: FeatureShape(height: 9, width: 7, channels: 5), filters: 7, kernel: (3, 3), stride: (1, 1), padding: .same, relu: false),
        ConvCase(input: FeatureShape(height: 10, width: 10, channels: 8), filters: 16, kernel: (1, 1), stride: (2, 2), padding: .same, relu: false),
        ConvCase(input: FeatureShape(height: 15, width: 15, channels: 4), filters: 6, kernel: (1, 1), stride: (2, 2), padding: .same, relu: false),
        ConvCase(input: FeatureShape(height: 8, width: 8, channels: 16), filters: 12, kernel: (1, 1), stride: (1, 1), padding: .valid, relu: true),
        ConvCase(input: FeatureShape(height: 13, width: 9, channels: 3), filters: 5, kernel: (5, 3), stride: (2, 1), padding: .same, relu: true),
        ConvCase(input: FeatureShape(height: 4, width: 4, channels: 128), filters: 7, kernel: (3, 3), stride: (1, 1), padding: .same, relu: false),
        ConvCase(input: FeatureShape(height: 7, width: 21, channels: 6), filters: 8, kernel: (3, 3), stride: (1, 1), padding: .valid, relu: true),
        ConvCase(input: FeatureShape(height: 6, width: 19, channels: 4), filters: 40, kernel: (3, 3), stride: (1, 1), padding: .same, relu: true),
        // The VGG model's last stages: maps narrower than the 8-row blocks, tiles of several rows.
        ConvCase(input: FeatureShape(height: 6, width: 6, channels: 32), filters: 48, kernel: (3, 3), stride: (1, 1), padding: .same, relu: true),
        ConvCase(input: FeatureShape(height: 3, width: 3, channels: 16), filters: 16, kernel: (3, 3), stride: (1, 1), padding: .same, relu: false),
        ConvCase(input: FeatureShape(height: 40, width: 40, channels: 16), filters: 16, kernel: (3, 3), stride: (1, 1), padding: .same, relu: true)
    ]

    @Test("Conv2D (im2col + GEMM) equals direct convolution", arguments: convCases)
    func convolution(_ c: ConvCase) {
        let batch = 3
        let layer = Conv2D(
            name: "conv", input: c.input,
            weights: NetworkTestSupport.randomFloats(c.kernel.0 * c.kernel.1 * c.input.channels * c.filters, seed: 11),
            bias: NetworkTestSupport.randomFloats(c.filters, seed: 12), outputChannels: c.filters,
            kernel: c.kernel, stride: c.stride, padding: c.padding, activation: c.relu ? .relu : .none)
        let input = NetworkTestSupport.randomFloats(batch * c.input.count, seed: 13)
        let expected = layer.naiveForward(input, batch: batch)
        for pieces in [1, 2, 5] {
            let actual = NetworkTestSupport.run(layer, inputs: [input], batch: batch, pieces: pieces)
            #expect(NetworkTestSupport.maxDifference(actual, expected) < Self.tolerance, "split into \(pieces)")
        }
    }

    static let winogradCases: [ConvCase] = [
        // The VGG model's stages, odd sizes (a last tile half outside), valid padding, wide maps.
        ConvCase(input: FeatureShape(height: 6, width: 6, channels: 32), filters: 48, kernel: (3, 3), stride: (1, 1), padding: .same, relu: true),
        ConvCase(input: FeatureShape(height: 12, width: 12, channels: 16), filters: 32, kernel: (3, 3), stride: (1, 1), padding: .same, relu: false),
        ConvCase(input: FeatureShape(height: 7, width: 9, channels: 24), filters: 40, kernel: (3, 3), stride: (1, 1), padding: .same, relu: true),
        ConvCase(input: FeatureShape(height: 9, width: 8, channels: 16), filters: 32, kernel: (3, 3), stride: (1, 1), padding: .valid, relu: false),
        ConvCase(input: FeatureShape(height: 3, width: 3, channels: 32), filters: 32, kernel: (3, 3), stride: (1, 1), padding: .same, relu: true),
        ConvCase(input: FeatureShape(height: 24, width: 40, channels: 64), filters: 96, kernel: (3, 3), stride: (1, 1), padding: .same, relu: true)
    ]

    @Test("Winograd F(2x2, 3x3) convolution equals direct convolution", arguments: winogradCases)
    func winograd(_ c: ConvCase) throws {
        let batch = 3
        let conv = Conv2D(
            name: "conv", input: c.input,
            weights: NetworkTestSupport.randomFloats(9 * c.input.channels * c.filters, seed: 21),
            bias: NetworkTestSupport.randomFloats(c.filters, seed: 22), outputChannels: c.filters,
            kernel: c.kernel, stride: c.stride, padding: c.padding, activation: c.relu ? .relu : .none)
        let layer = try #require(WinogradConv2D(conv))
        let input = NetworkTestSupport.randomFloats(batch * c.input.count, seed: 23)
        let expected = conv.naiveForward(input, batch: batch)
        // Sums of up to 9 * Cin products of values in [-1, 1]: rounding grows with the depth.
        let tolerance = Self.tolerance * Float(c.input.channels).squareRoot()
        for pieces in [1, 2, 5] {
            let actual = NetworkTestSupport.run(layer, inputs: [input], batch: batch, pieces: pieces)
            #expect(NetworkTestSupport.maxDifference(actual, expected) < tolerance, "split into \(pieces)")
        }
    }

    @Test("Only 3x3 stride-1 convolutions from 16 or more channels to 32 or more, in multiples of 8, take the Winograd form")
    func winogradEligibility() {
        func conv(_ channels: Int, _ filters: Int, kernel: Int = 3, stride: Int = 1) -> Conv2D {
            Conv2D(
                name: "c", input: FeatureShape(height: 8, width: 8, channels: channels),
                weights: [Float](repeating: 0.1, count: kernel * kernel * channels * filters), bias: nil, outputChannels: filters,
                kernel: (kernel, kernel), stride: (stride, stride), padding: .same)
        }
        #expect(WinogradConv2D(conv(16, 32)) != nil)
        #expect(WinogradConv2D(conv(16, 16)) == nil)
        #expect(WinogradConv2D(conv(8, 32)) == nil)
        #expect(WinogradConv2D(conv(20, 32)) == nil)
        #expect(WinogradConv2D(conv(16, 36)) == nil)
        #expect(WinogradConv2D(conv(16, 32, kernel: 5)) == nil)
        #expect(WinogradConv2D(conv(16, 32, stride: 2)) == nil)
    }

    @Test(
        "TensorFlow 'same' padding puts the odd padding after",
        arguments: [
            (60, 3, 2, 30, 0), (15, 3, 2, 8, 1), (8, 3, 2, 4, 0), (64, 3, 1, 64, 1), (15, 1, 2, 8, 0)
        ])
    func samePadding(input: Int, size: Int, stride: Int, output: Int, padBefore: Int) {
        let geometry = SlidingWindow.axis(input: input, size: size, stride: stride, padding: .same)
        #expect(geometry.output == output)
        #expect(geometry.padBefore == padBefore)
    }

    @Test(
        "Depthwise convolution equals the direct reference",
        arguments: [
            (FeatureShape(height: 9, width: 9, channels: 8), 1, 1, Padding.same),
            (FeatureShape(height: 5, width: 40, channels: 8), 1, 1, Padding.same),
            (FeatureShape(height: 5, width: 37, channels: 8), 1, 1, Padding.valid),
            (FeatureShape(height: 4, width: 30, channels: 32), 1, 1, Padding.same),
            (FeatureShape(height: 9, width: 10, channels: 16), 1, 2, Padding.same),
            (FeatureShape(height: 12, width: 12, channels: 12), 1, 1, Padding.same),
            (FeatureShape(height: 10, width: 13, channels: 36), 1, 2, Padding.same),
            (FeatureShape(height: 7, width: 7, channels: 3), 2, 1, Padding.valid),
            (FeatureShape(height: 2, width: 2, channels: 5), 1, 1, Padding.same)
        ])
    func depthwise(shape: FeatureShape, multiplier: Int, stride: Int, padding: Padding) {
        let batch = 2
        for activation in [FusedActivation.relu, .none] {
            let layer = DepthwiseConv2D(
                name: "dw", input: shape,
                weights: NetworkTestSupport.randomFloats(9 * shape.channels * multiplier, seed: 21),
                bias: NetworkTestSupport.randomFloats(shape.channels * multiplier, seed: 22), multiplier: multiplier,
                kernel: (3, 3), stride: (stride, stride), padding: padding, activation: activation)
            let input = NetworkTestSupport.randomFloats(batch * shape.count, seed: 23)
            let expected = layer.naiveForward(input, batch: batch)
            for pieces in [1, 3] {
                #expect(
                    NetworkTestSupport.maxDifference(NetworkTestSupport.run(layer, inputs: [input], batch: batch, pieces: pieces), expected)
                        < Self.tolerance, "\(activation)")
            }
        }
    }

    @Test(
        "Separable convolution equals depthwise then pointwise",
        arguments: [
            (FeatureShape(height: 12, width: 12, channels: 8), 16),
            (FeatureShape(height: 5, width: 6, channels: 32), 64)
        ])
    func separable(shape: FeatureShape, filters: Int) {
        let batch = 2
        let layer = SeparableConv2D(
            name: "sep", input: shape,
            depthwiseWeights: NetworkTestSupport.randomFloats(9 * shape.channels, seed: 31),
            pointwiseWeights: NetworkTestSupport.randomFloats(shape.channels * filters, seed: 32),
            bias: NetworkTestSupport.randomFloats(filters, seed: 33), multiplier: 1, outputChannels: filters,
            kernel: (3, 3), stride: (1, 1), padding: .same, activation: .relu)
        let input = NetworkTestSupport.randomFloats(batch * shape.count, seed: 34)
        let expected = layer.naiveForward(input, batch: batch)
        for pieces in [1, 4] {
            #expect(
                NetworkTestSupport.maxDifference(NetworkTestSupport.run(layer, inputs: [input], batch: batch, pieces: pieces), expected)
                    < Self.tolerance)
        }
    }

    @Test(
        "Max and average pooling with TensorFlow padding",
        arguments: [
            (Pooling2D.Kind.max, Padding.same, 3, 2), (.max, .valid, 2, 2), (.average, .same, 3, 2), (.average, .valid, 3, 1)
        ])
    func pooling(kind: Pooling2D.Kind, padding: Padding, size: Int, stride: Int) {
        let shape = FeatureShape(height: 15, width: 14, channels: 6)
        let layer = Pooling2D(name: "pool", kind: kind, input: shape, pool: (size, size), stride: (stride, stride), padding: padding)
        let input = NetworkTestSupport.randomFloats(2 * shape.count, seed: 41).map { $0 - 2 }  // all negative: padding must not win
        let expected = layer.naiveForward(input, batch: 2)
        #expect(NetworkTestSupport.maxDifference(NetworkTestSupport.run(layer, inputs: [input], batch: 2, pieces: 3), expected) < Self.tolerance)
        #expect(expected.allSatisfy { $0 < -0.5 })
    }

    @Test(
        "Zero padding of height, width and channels equals the reference",
        arguments: [[[0, 0], [0, 0], [0, 16]], [[1, 2], [0, 3], [2, 1]], [[0, 0], [0, 0], [0, 0]]])
    func zeroPad(paddings: [[Int]]) {
        let batch = 3, shape = FeatureShape(height: 5, width: 7, channels: 6)
        let layer = ZeroPad(name: "pad", input: shape, paddings: paddings)
        let input = NetworkTestSupport.randomFloats(batch * shape.count, seed: 31)
        let expected = layer.naiveForward(input, batch: batch)
        for pieces in [1, 2, 5] {
            #expect(NetworkTestSupport.run(layer, inputs: [input], batch: batch, pieces: pieces) == expected, "split into \(pieces)")
        }
    }

    @Test(
        "Bilinear resizing equals bilinear sampling from its definition",
        arguments: [(6, 6, 12, 12, true), (24, 24, 48, 48, true), (5, 7, 9, 4, true), (4, 6, 8, 12, false), (8, 8, 3, 5, false)])
    func resizeBilinear(height: Int, width: Int, outHeight: Int, outWidth: Int, halfPixelCenters: Bool) {
        let batch = 2, shape = FeatureShape(height: height, width: width, channels: 5)
        let layer = ResizeBilinear(name: "up", input: shape, height: outHeight, width: outWidth, halfPixelCenters: halfPixelCenters)
        let input = NetworkTestSupport.randomFloats(batch * shape.count, seed: 32)
        let expected = layer.naiveForward(input, batch: batch)
        for pieces in [1, 3] {
            let actual = NetworkTestSupport.run(layer, inputs: [input], batch: batch, pieces: pieces)
            #expect(NetworkTestSupport.maxDifference(actual, expected) < 1e-6, "split into \(pieces)")
        }
        // Exactly 2x with half-pixel centres: 3/4 of the nearer and 1/4 of the farther neighbour.
        if halfPixelCenters && outHeight == 2 * height && outWidth == 2 * width {
            let one = FeatureShape(height: 1, width: width, channels: 1)
            let row = ResizeBilinear(name: "up", input: one, height: 1, width: 2 * width, halfPixelCenters: true)
            let values = (0..<width).map { Float($0 * $0) }
            let out = NetworkTestSupport.run(row, inputs: [values], batch: 1)
            #expect(out[0] == values[0] && out[2 * width - 1] == values[width - 1])
            for i in 1..<(width - 1) {
                #expect(out[2 * i] == 0.75 * values[i] + 0.25 * values[i - 1])
                #expect(out[2 * i + 1] == 0.75 * values[i] + 0.25 * values[i + 1])
            }
        }
    }

    @Test("Add, global average pooling, dense, batch norm and activations")
    func elementwiseAndReductions() {
        let shape = FeatureShape(height: 5, width: 4, channels: 6)
        let a = NetworkTestSupport.randomFloats(2 * shape.count, seed: 51), b = NetworkTestSupport.randomFloats(2 * shape.count, seed: 52)

        let add = Add(name: "add", outputShape: shape, inputCount: 2, activation: .relu)
        #expect(
            NetworkTestSupport.maxDifference(NetworkTestSupport.run(add, inputs: [a, b], batch: 2, pieces: 3), add.naiveForward([a, b]))
                < Self.tolerance)

        let pool = GlobalAveragePool2D(name: "gap", inputShape: shape)
        #expect(
            NetworkTestSupport.maxDifference(NetworkTestSupport.run(pool, inputs: [a], batch: 2, pieces: 2), pool.naiveForward(a, batch: 2))
                < Self.tolerance)

        let dense = Dense(
            name: "dense", input: shape, weights: NetworkTestSupport.randomFloats(6 * 9, seed: 53),
            bias: NetworkTestSupport.randomFloats(9, seed: 54), units: 9, activation: .relu)
        #expect(
            NetworkTestSupport.maxDifference(NetworkTestSupport.run(dense, inputs: [a], batch: 2, pieces: 3), dense.naiveForward(a, batch: 2))
                < Self.tolerance)

        let norm = BatchNorm(
            name: "bn", shape: shape, gamma: NetworkTestSupport.randomFloats(6, seed: 55),
            beta: NetworkTestSupport.randomFloats(6, seed: 56), mean: NetworkTestSupport.randomFloats(6, seed: 57),
            variance: NetworkTestSupport.randomFloats(6, seed: 58).map { abs($0) + 0.1 }, epsilon: 1e-3)
        #expect(
            NetworkTestSupport.maxDifference(NetworkTestSupport.run(norm, inputs: [a], batch: 2, pieces: 2), norm.naiveForward(a)) < Self.tolerance)

        for function in [Activation.relu, .softmax, .linear] {
            let layer = ActivationLayer(name: "act", function: function, outputShape: shape)
            #expect(NetworkTestSupport.maxDifference(NetworkTestSupport.run(layer, inputs: [a], batch: 2, pieces: 2), layer.naiveForward(a)) < 1e-6)
        }
    }

    @Test("Softmax rows sum to one and keep the order of their inputs")
    func softmaxProperties() {
        let shape = FeatureShape(height: 1, width: 1, channels: 7)
        let logits = NetworkTestSupport.randomFloats(7, seed: 61).map { $0 * 30 }
        let output = NetworkTestSupport.run(ActivationLayer(name: "s", function: .softmax, outputShape: shape), inputs: [logits], batch: 1)
        #expect(abs(output.reduce(0, +) - 1) < 1e-6)
        #expect(output.indices.sorted { output[$0] < output[$1] } == logits.indices.sorted { logits[$0] < logits[$1] })
    }

    @Test("Folding batch norm into a convolution gives the same result as running both")
    func batchNormFolding() {
        let shape = FeatureShape(height: 8, width: 8, channels: 4)
        var conv = Conv2D(
            name: "conv", input: shape, weights: NetworkTestSupport.randomFloats(9 * 4 * 5, seed: 71), bias: nil,
            outputChannels: 5, kernel: (3, 3), stride: (1, 1), padding: .same)
        let norm = BatchNorm(
            name: "bn", shape: conv.outputShape, gamma: NetworkTestSupport.randomFloats(5, seed: 72),
            beta: NetworkTestSupport.randomFloats(5, seed: 73), mean: NetworkTestSupport.randomFloats(5, seed: 74),
            variance: NetworkTestSupport.randomFloats(5, seed: 75).map { abs($0) + 0.05 }, epsilon: 1e-3)
        let input = NetworkTestSupport.randomFloats(shape.count, seed: 76)
        let separate = norm.naiveForward(conv.naiveForward(input, batch: 1))
        conv.fold(norm)
        #expect(NetworkTestSupport.maxDifference(NetworkTestSupport.run(conv, inputs: [input], batch: 1), separate) < Self.tolerance)
    }

    @Test("GEMM wrapper equals the textbook product")
    func gemm() {
        let (m, n, k) = (37, 19, 23)
        let a = NetworkTestSupport.randomFloats(m * k, seed: 81), b = NetworkTestSupport.randomFloats(k * n, seed: 82)
        var c = [Float](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { c in
            Gemm.multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c.baseAddress!, ldc: n)
        }
        #expect(NetworkTestSupport.maxDifference(c, Gemm.naiveMultiply(m: m, n: n, k: k, a: a, b: b)) < Self.tolerance)
    }
}
