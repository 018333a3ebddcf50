import Foundation

/// Inference-mode batch normalisation, y = x * scale + shift per channel, with
/// scale = gamma / sqrt(variance + epsilon) and shift = beta - mean * scale (Keras's formula).
/// The compiler folds it into a preceding convolution when it can; this layer runs it otherwise.
///
///   input, output [N, H, W, C]
struct BatchNorm: Layer {
    let name: String
    let outputShape: FeatureShape
    /// [C]
    let scale: [Float]
    /// [C]
    let shift: [Float]

    init(name: String, shape: FeatureShape, gamma: [Float]?, beta: [Float]?, mean: [Float], variance: [Float], epsilon: Float) {
        let channels = shape.channels
        precondition(mean.count == channels && variance.count == channels, "\(name): statistics do not match \(channels) channels")
        self.name = name
        self.outputShape = shape
        var scale = [Float](repeating: 0, count: channels)
        var shift = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            let g = Double(gamma?[c] ?? 1), b = Double(beta?[c] ?? 0)
            let s = g / (Double(variance[c]) + Double(epsilon)).squareRoot()
            scale[c] = Float(s)
            shift[c] = Float(b - Double(mean[c]) * s)
        }
        self.scale = scale
        self.shift = shift
    }

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { 0 }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let channels = outputShape.channels
        let start = items.lowerBound * outputShape.rowCount
        let pixels = items.count * outputShape.width
        let input = inputs[0] + start
        let out = output + start
        for p in 0..<pixels {
            for c in 0..<channels {
                out[p * channels + c] = input[p * channels + c] * scale[c] + shift[c]
            }
        }
    }

    /// Reference kernel (test oracle).
    func naiveForward(_ input: [Float]) -> [Float] {
        input.indices.map { i in
            let c = i % outputShape.channels
            return input[i] * scale[c] + shift[c]
        }
    }
}
