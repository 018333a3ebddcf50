import Foundation
import ModelFormat

/// A stand-alone activation: ReLU when it could not be fused into the layer before it, and
/// softmax over the channels of each pixel (the classifier's last step).
///
///   input, output [N, H, W, C]
struct ActivationLayer: Layer {
    let name: String
    let function: Activation
    let outputShape: FeatureShape

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { 0 }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let channels = outputShape.channels
        let start = items.lowerBound * outputShape.rowCount
        let count = items.count * outputShape.rowCount
        let input = inputs[0] + start, out = output + start
        switch function {
        case .linear:
            out.update(from: input, count: count)
        case .relu:
            for i in 0..<count { out[i] = max(input[i], 0) }
        case .softmax:
            var pixel = 0
            while pixel < count {
                Self.softmax(input + pixel, into: out + pixel, count: channels)
                pixel += channels
            }
        }
    }

    /// exp(x - max) / sum, the numerically stable form Keras uses.
    static func softmax(_ values: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        var largest = -Float.infinity
        for i in 0..<count { largest = max(largest, values[i]) }
        var sum: Float = 0
        for i in 0..<count {
            out[i] = expf(values[i] - largest)
            sum += out[i]
        }
        let inverse = 1 / sum
        for i in 0..<count { out[i] *= inverse }
    }

    /// Reference kernel (test oracle), in Double.
    func naiveForward(_ input: [Float]) -> [Float] {
        switch function {
        case .linear: return input
        case .relu: return input.map { max($0, 0) }
        case .softmax:
            let channels = outputShape.channels
            var result = [Float]()
            for start in stride(from: 0, to: input.count, by: channels) {
                let slice = input[start..<(start + channels)].map(Double.init)
                let largest = slice.max()!
                let exps = slice.map { Foundation.exp($0 - largest) }
                let sum = exps.reduce(0, +)
                result += exps.map { Float($0 / sum) }
            }
            return result
        }
    }
}
