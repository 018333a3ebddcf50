import ModelFormat

/// Depthwise-separable 2-D convolution (Keras SeparableConv2D): a depthwise convolution followed
/// by a 1x1 convolution, with one bias and the activation after the second. The two run tile by
/// tile, so the depthwise result stays in cache for the GEMM and never fills a whole buffer.
///
///   input     [N, H, W, C]
///   depthwise [kh, kw, C, M]
///   pointwise [C * M, Cout]
///   bias      [Cout]
///   output    [N, Ho, Wo, Cout]
struct SeparableConv2D: Layer {
    let name: String
    let depthwise: DepthwiseConv2D
    let outputShape: FeatureShape
    /// [C * M, Cout]
    private(set) var pointwise: [Float]
    /// [Cout]
    private(set) var bias: [Float]
    var activation: FusedActivation
    /// `pointwise` and `bias` repacked for `PackedGemm`.
    private(set) var packed: PackedWeights
    /// Output rows per tile.
    let tileRows: Int

    init(
        name: String, input: FeatureShape, depthwiseWeights: [Float], pointwiseWeights: [Float], bias: [Float]?,
        multiplier: Int, outputChannels: Int, kernel: (height: Int, width: Int), stride: (y: Int, x: Int),
        padding: Padding, activation: FusedActivation = .none
    ) {
        depthwise = DepthwiseConv2D(
            name: name + "/depthwise", input: input, weights: depthwiseWeights, bias: nil,
            multiplier: multiplier, kernel: kernel, stride: stride, padding: padding)
        precondition(
            pointwiseWeights.count == depthwise.outputShape.channels * outputChannels,
            "\(name): pointwise kernel size does not match its shape")
        self.name = name
        self.outputShape = FeatureShape(
            height: depthwise.outputShape.height, width: depthwise.outputShape.width,
            channels: outputChannels)
        self.pointwise = pointwiseWeights
        self.bias = bias ?? [Float](repeating: 0, count: outputChannels)
        self.activation = activation
        self.tileRows = max(1, min(outputShape.height, Conv2D.scratchBudget / max(depthwise.outputShape.rowCount, 1)))
        self.packed = PackedWeights(
            matrix: pointwiseWeights, rows: depthwise.outputShape.channels, columns: outputChannels,
            bias: self.bias)
    }

    var scratchCount: Int { tileRows * depthwise.outputShape.rowCount }

    var multiplyAccumulates: Int {
        depthwise.multiplyAccumulates + outputShape.height * outputShape.width * depthwise.outputShape.channels * outputShape.channels
    }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    mutating func fold(_ norm: BatchNorm) {
        let cout = outputShape.channels
        for k in 0..<depthwise.outputShape.channels {
            for c in 0..<cout { pointwise[k * cout + c] *= norm.scale[c] }
        }
        for c in 0..<cout { bias[c] = bias[c] * norm.scale[c] + norm.shift[c] }
        packed = PackedWeights(matrix: pointwise, rows: depthwise.outputShape.channels, columns: cout, bias: bias)
    }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        var row = items.lowerBound
        while row < items.upperBound {
            let image = row / outputShape.height
            let firstY = row % outputShape.height
            let count = min(tileRows, items.upperBound - row, outputShape.height - firstY)
            depthwise.computeRows(
                image: inputs[0] + image * depthwise.inputShape.count, firstRow: firstY,
                rows: count, into: scratch)
            PackedGemm.multiply(
                m: count * outputShape.width, a: scratch, lda: depthwise.outputShape.channels, b: packed,
                activation: activation, c: output + row * outputShape.rowCount, ldc: outputShape.channels)
            row += count
        }
    }

    /// Reference kernel (test oracle): the naive depthwise kernel, then a naive 1x1 product.
    func naiveForward(_ input: [Float], batch: Int) -> [Float] {
        let middle = depthwise.naiveForward(input, batch: batch)
        let pixels = batch * outputShape.height * outputShape.width
        let product = Gemm.naiveMultiply(
            m: pixels, n: outputShape.channels, k: depthwise.outputShape.channels,
            a: middle, b: pointwise)
        return product.indices.map { i in activation(product[i] + bias[i % outputShape.channels]) }
    }
}
