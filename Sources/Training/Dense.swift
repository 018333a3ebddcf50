import NeuralNetwork

/// Fully connected layer over the last axis (Keras Dense), every pixel of the batch in one GEMM.
///
///   input   [N, H, W, C]   (1x1 after global pooling or Flatten)
///   kernel  [C, units]
///   bias    [units]        (optional)
///   output  [N, H, W, units]
///
/// Forward y = x W + b; backward dW += xᵀ dy, db += Σ dy, dx = dy Wᵀ.
public final class Dense: TrainableLayer {
    public let name: String
    public let inputShapes: [FeatureShape]
    public let outputShape: FeatureShape
    public let kernel: Parameter
    public let bias: Parameter?
    private var input: [Float] = []
    private var batch = 0

    public init(name: String, input: FeatureShape, units: Int, useBias: Bool = true, random: inout SeededRandom) {
        self.name = name
        self.inputShapes = [input]
        self.outputShape = FeatureShape(height: input.height, width: input.width, channels: units)
        self.kernel = Parameter(
            name: name + "/kernel", shape: [input.channels, units],
            value: random.heNormal(count: input.channels * units, fanIn: input.channels))
        self.bias = useBias ? Parameter(name: name + "/bias", shape: [units], value: [Float](repeating: 0, count: units)) : nil
    }

    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

    private var pixels: Int { batch * inputShape.height * inputShape.width }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        precondition(inputs[0].count == batch * inputShape.count, "\(name): input size")
        input = inputs[0]
        self.batch = batch
        var output = [Float](repeating: 0, count: batch * outputShape.count)
        let b = bias?.value ?? []
        input.withUnsafeBufferPointer { x in
            kernel.value.withUnsafeBufferPointer { w in
                b.withUnsafeBufferPointer { b in
                    output.withUnsafeMutableBufferPointer { y in
                        AffineProduct.forward(
                            x: x.baseAddress!, rows: pixels, depth: inputShape.channels, weights: w.baseAddress!,
                            columns: outputShape.channels, bias: bias == nil ? nil : b.baseAddress!, output: y.baseAddress!)
                    }
                }
            }
        }
        return output
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        precondition(outputGradient.count == batch * outputShape.count, "\(name): output gradient size")
        var inputGradient = [Float](repeating: 0, count: batch * inputShape.count)
        var biasGradient = bias?.gradient ?? []
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                kernel.value.withUnsafeBufferPointer { w in
                    kernel.gradient.withUnsafeMutableBufferPointer { dw in
                        biasGradient.withUnsafeMutableBufferPointer { db in
                            inputGradient.withUnsafeMutableBufferPointer { dx in
                                AffineProduct.backward(
                                    x: x.baseAddress!, rows: pixels, depth: inputShape.channels, weights: w.baseAddress!,
                                    columns: outputShape.channels, outputGradient: dy.baseAddress!, weightGradient: dw.baseAddress!,
                                    biasGradient: bias == nil ? nil : db.baseAddress!, inputGradient: dx.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        bias?.gradient = biasGradient
        return [inputGradient]
    }

    /// Reference kernel (test oracle): the textbook product in Double.
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        let x = inputs[0], w = parameters[0]
        let k = inputShape.channels, units = outputShape.channels
        let rows = batch * inputShape.height * inputShape.width
        var result = [Double](repeating: 0, count: rows * units)
        for row in 0..<rows {
            for j in 0..<units {
                var sum = bias == nil ? 0 : parameters[1][j]
                for p in 0..<k { sum += x[row * k + p] * w[p * units + j] }
                result[row * units + j] = sum
            }
        }
        return result
    }
}
