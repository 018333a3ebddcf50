import ModelFormat

/// Element-wise sum of two or more maps of the same shape (residual connections).
///
///   inputs [N, H, W, C] each
///   output [N, H, W, C]
struct Add: Layer {
    let name: String
    let outputShape: FeatureShape
    let inputCount: Int
    var activation: FusedActivation = .none

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { 0 }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let start = items.lowerBound * outputShape.rowCount
        let count = items.count * outputShape.rowCount
        let out = output + start
        let first = inputs[0] + start, second = inputs[1] + start
        for i in 0..<count { out[i] = first[i] + second[i] }
        for extra in inputs.dropFirst(2) {
            let source = extra + start
            for i in 0..<count { out[i] += source[i] }
        }
        if activation == .relu {
            for i in 0..<count { out[i] = max(out[i], 0) }
        }
    }

    /// Reference kernel (test oracle).
    func naiveForward(_ inputs: [[Float]]) -> [Float] {
        inputs[0].indices.map { i in activation(inputs.reduce(0) { $0 + $1[i] }) }
    }
}
