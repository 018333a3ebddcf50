import ModelFormat
import NeuralNetwork

/// Depthwise 2-D convolution, NHWC, computed directly: every input channel is convolved with its
/// own `multiplier` kernels. The inner loops run along the contiguous channels.
///
///   input   [N, H, W, C]
///   kernel  [kh, kw, C, M]   (Keras layout; per tap, laid out as the C*M output channels)
///   bias    [C * M]          (optional)
///   output  [N, Ho, Wo, C * M]   (output channel c * M + m)
///
/// Backward walks the same (pixel, tap) pairs: dW[tap, c, m] += x[c] dy[c*M+m] and
/// dx[c] += W[tap, c, m] dy[c*M+m]; db += Σ dy.
public final class DepthwiseConv2D: TrainableLayer {
    public let name: String
    public let inputShapes: [FeatureShape]
    public let outputShape: FeatureShape
    public let window: SlidingWindow
    public let multiplier: Int
    public let kernel: Parameter
    public let bias: Parameter?
    private var input: [Float] = []
    private var batch = 0

    /// He initialisation with the true fan-in of a depthwise output, kh * kw.
    public init(
        name: String, input: FeatureShape, multiplier: Int = 1, kernel size: (height: Int, width: Int),
        stride: (y: Int, x: Int) = (1, 1), padding: Padding = .valid, useBias: Bool = true,
        random: inout SeededRandom
    ) {
        let window = SlidingWindow(input: input, size: size, stride: stride, padding: padding)
        precondition(window.outputHeight > 0 && window.outputWidth > 0, "\(name): the kernel does not fit \(input)")
        let channels = input.channels * multiplier
        self.name = name
        self.inputShapes = [input]
        self.window = window
        self.multiplier = multiplier
        self.outputShape = FeatureShape(height: window.outputHeight, width: window.outputWidth, channels: channels)
        let fanIn = size.height * size.width
        self.kernel = Parameter(
            name: name + "/depthwise_kernel", shape: [size.height, size.width, input.channels, multiplier],
            value: random.heNormal(count: fanIn * channels, fanIn: fanIn))
        self.bias = useBias ? Parameter(name: name + "/bias", shape: [channels], value: [Float](repeating: 0, count: channels)) : nil
    }

    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        precondition(inputs[0].count == batch * inputShape.count, "\(name): input size")
        input = inputs[0]
        self.batch = batch
        var output = [Float](repeating: 0, count: batch * outputShape.count)
        let c = inputShape.channels, m = multiplier, channels = outputShape.channels
        input.withUnsafeBufferPointer { x in
            kernel.value.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { y in
                    if let bias {
                        for pixel in 0..<(y.count / channels) {
                            for j in 0..<channels { y[pixel * channels + j] = bias.value[j] }
                        }
                    }
                    forEachTap { inputOffset, tap, outputOffset in
                        let xs = x.baseAddress! + inputOffset, ws = w.baseAddress! + tap * channels
                        let ys = y.baseAddress! + outputOffset
                        for ci in 0..<c {
                            for mi in 0..<m { ys[ci * m + mi] += xs[ci] * ws[ci * m + mi] }
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        precondition(outputGradient.count == batch * outputShape.count, "\(name): output gradient size")
        var inputGradient = [Float](repeating: 0, count: batch * inputShape.count)
        let c = inputShape.channels, m = multiplier, channels = outputShape.channels
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                kernel.value.withUnsafeBufferPointer { w in
                    kernel.gradient.withUnsafeMutableBufferPointer { dw in
                        inputGradient.withUnsafeMutableBufferPointer { dx in
                            forEachTap { inputOffset, tap, outputOffset in
                                let xs = x.baseAddress! + inputOffset, dxs = dx.baseAddress! + inputOffset
                                let ws = w.baseAddress! + tap * channels, dws = dw.baseAddress! + tap * channels
                                let dys = dy.baseAddress! + outputOffset
                                for ci in 0..<c {
                                    var sum: Float = 0
                                    for mi in 0..<m {
                                        dws[ci * m + mi] += xs[ci] * dys[ci * m + mi]
                                        sum += ws[ci * m + mi] * dys[ci * m + mi]
                                    }
                                    dxs[ci] += sum
                                }
                            }
                        }
                    }
                }
            }
        }
        if let bias { BiasGradient.accumulate(outputGradient, channels: channels, into: bias) }
        return [inputGradient]
    }

    /// Visits every (output pixel, kernel tap inside the input) of the batch with the input
    /// pixel's offset, the tap index ky * kw + kx and the output pixel's offset.
    @inline(__always)
    private func forEachTap(_ body: (Int, Int, Int) -> Void) {
        window.forEachInsideTap(batch: batch, input: inputShape) { outputPixel, tap, inputPixel in
            body(inputPixel * inputShape.channels, tap, outputPixel * outputShape.channels)
        }
    }

    /// Reference kernel (test oracle): direct depthwise convolution in Double.
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        let x = inputs[0], w = parameters[0]
        let c = inputShape.channels, m = multiplier, channels = outputShape.channels
        var result = [Double](repeating: 0, count: batch * outputShape.count)
        if bias != nil {
            for i in result.indices { result[i] = parameters[1][i % channels] }
        }
        window.forEachInsideTap(batch: batch, input: inputShape) { outputPixel, tap, inputPixel in
            for ci in 0..<c {
                for mi in 0..<m {
                    result[outputPixel * channels + ci * m + mi] += x[inputPixel * c + ci] * w[tap * channels + ci * m + mi]
                }
            }
        }
        return result
    }
}

/// db += Σ dy over every pixel of the batch, per channel.
enum BiasGradient {
    static func accumulate(_ outputGradient: [Float], channels: Int, into bias: Parameter) {
        for (i, g) in outputGradient.enumerated() { bias.gradient[i % channels] += g }
    }
}
