import ModelFormat
import NeuralNetwork

/// Max and average pooling, NHWC, with TensorFlow's padding: padded positions never win a max and
/// are left out of an average's count (as the runtime's Pooling2D).
///
///   input  [N, H, W, C]
///   output [N, Ho, Wo, C]
///
/// Backward: max pooling routes dy to the input that won (the first of equal ones, as recorded
/// by forward); average pooling spreads dy / count over the window's inside positions.
public final class Pooling2D: TrainableLayer {
    public enum Kind: Sendable { case max, average }

    public let name: String
    public let kind: Kind
    public let inputShapes: [FeatureShape]
    public let outputShape: FeatureShape
    public let window: SlidingWindow
    /// Max pooling: per output value, the offset in the batch input of the value that won.
    private var winners: [Int] = []
    /// Per output pixel of the batch: how many window positions lie inside the input.
    private var counts: [Int] = []
    private var batch = 0

    public init(
        name: String, kind: Kind, input: FeatureShape, pool: (height: Int, width: Int), stride: (y: Int, x: Int)? = nil,
        padding: Padding = .valid
    ) {
        let window = SlidingWindow(input: input, size: pool, stride: stride ?? (pool.height, pool.width), padding: padding)
        precondition(window.outputHeight > 0 && window.outputWidth > 0, "\(name): the pool does not fit \(input)")
        self.name = name
        self.kind = kind
        self.inputShapes = [input]
        self.window = window
        self.outputShape = FeatureShape(height: window.outputHeight, width: window.outputWidth, channels: input.channels)
    }

    public var parameters: [Parameter] { [] }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        let x = inputs[0], channels = inputShape.channels
        precondition(x.count == batch * inputShape.count, "\(name): input size")
        self.batch = batch
        counts = [Int](repeating: 0, count: batch * outputShape.height * outputShape.width)
        var output = [Float](repeating: kind == .max ? -.infinity : 0, count: batch * outputShape.count)
        winners = [Int](repeating: 0, count: kind == .max ? output.count : 0)
        let isMax = kind == .max
        x.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { output in
                winners.withUnsafeMutableBufferPointer { winners in
                    counts.withUnsafeMutableBufferPointer { counts in
                        window.forEachInsideTap(batch: batch, input: inputShape) { outputPixel, _, inputPixel in
                            counts[outputPixel] += 1
                            let out = outputPixel * channels, tap = inputPixel * channels
                            if isMax {
                                // Strictly greater: the first of equal values wins.
                                for c in 0..<channels where x[tap + c] > output[out + c] {
                                    output[out + c] = x[tap + c]
                                    winners[out + c] = tap + c
                                }
                            } else {
                                for c in 0..<channels { output[out + c] += x[tap + c] }
                            }
                        }
                    }
                }
            }
        }
        if kind == .average {
            for i in output.indices { output[i] /= Float(counts[i / channels]) }
        }
        return output
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        precondition(outputGradient.count == batch * outputShape.count, "\(name): output gradient size")
        let channels = inputShape.channels
        var inputGradient = [Float](repeating: 0, count: batch * inputShape.count)
        switch kind {
        case .max:
            for (out, tap) in winners.enumerated() { inputGradient[tap] += outputGradient[out] }
        case .average:
            window.forEachInsideTap(batch: batch, input: inputShape) { outputPixel, _, inputPixel in
                let share = 1 / Float(counts[outputPixel])
                for c in 0..<channels { inputGradient[inputPixel * channels + c] += outputGradient[outputPixel * channels + c] * share }
            }
        }
        return [inputGradient]
    }

    /// Reference kernel (test oracle), in Double: each window's values gathered, then their
    /// maximum or mean.
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        let x = inputs[0], channels = inputShape.channels
        var windows = [[Int]](repeating: [], count: batch * outputShape.height * outputShape.width)
        window.forEachInsideTap(batch: batch, input: inputShape) { outputPixel, _, inputPixel in
            windows[outputPixel].append(inputPixel)
        }
        return (0..<(batch * outputShape.count)).map { i in
            let values = windows[i / channels].map { x[$0 * channels + i % channels] }
            return kind == .max ? values.max()! : values.reduce(0, +) / Double(values.count)
        }
    }
}
