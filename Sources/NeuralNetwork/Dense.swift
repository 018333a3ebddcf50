import ModelFormat

/// Fully connected layer over the last axis (Keras Dense): each pixel's C values times a
/// [C, units] matrix. After Flatten or global pooling a map is 1x1, so this is the usual
/// per-image product; the product covers all pixels of the work items at once.
///
///   input   [N, H, W, C]
///   weights [C, units]
///   bias    [units]
///   output  [N, H, W, units]
struct Dense: Layer {
    let name: String
    let inputShape: FeatureShape
    let outputShape: FeatureShape
    /// [C, units]
    private(set) var weights: [Float]
    /// [units]
    private(set) var bias: [Float]
    var activation: FusedActivation

    init(name: String, input: FeatureShape, weights: [Float], bias: [Float]?, units: Int, activation: FusedActivation = .none) {
        precondition(weights.count == input.channels * units, "\(name): kernel size does not match its shape")
        self.name = name
        self.inputShape = input
        self.outputShape = FeatureShape(height: input.height, width: input.width, channels: units)
        self.weights = weights
        self.bias = bias ?? [Float](repeating: 0, count: units)
        self.activation = activation
    }

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { outputShape.count * inputShape.channels }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    mutating func fold(_ norm: BatchNorm) {
        let units = outputShape.channels
        for k in 0..<inputShape.channels {
            for c in 0..<units { weights[k * units + c] *= norm.scale[c] }
        }
        for c in 0..<units { bias[c] = bias[c] * norm.scale[c] + norm.shift[c] }
    }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let units = outputShape.channels
        let pixels = items.count * outputShape.width
        let target = output + items.lowerBound * outputShape.rowCount
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                Gemm.multiply(
                    m: pixels, n: units, k: inputShape.channels,
                    a: inputs[0] + items.lowerBound * inputShape.rowCount, lda: inputShape.channels,
                    b: w.baseAddress!, ldb: units, c: target, ldc: units)
                activation.apply(to: target, pixels: pixels, channels: units, bias: b.baseAddress!)
            }
        }
    }

    /// Reference kernel (test oracle).
    func naiveForward(_ input: [Float], batch: Int) -> [Float] {
        let pixels = batch * inputShape.height * inputShape.width
        let product = Gemm.naiveMultiply(m: pixels, n: outputShape.channels, k: inputShape.channels, a: input, b: weights)
        return product.indices.map { activation(product[$0] + bias[$0 % outputShape.channels]) }
    }
}
