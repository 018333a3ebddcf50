import NeuralNetwork

/// Mean over all spatial positions, per channel; backward spreads dy / (H*W) over them.
///
///   input  [N, H, W, C]
///   output [N, 1, 1, C]
public final class GlobalAveragePool2D: TrainableLayer {
    public let name: String
    public let inputShapes: [FeatureShape]
    private var batch = 0

    public init(name: String, input: FeatureShape) {
        self.name = name
        self.inputShapes = [input]
    }

    public var outputShape: FeatureShape { FeatureShape(height: 1, width: 1, channels: inputShape.channels) }
    public var parameters: [Parameter] { [] }
    private var pixels: Int { inputShape.height * inputShape.width }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        let x = inputs[0], channels = inputShape.channels
        precondition(x.count == batch * inputShape.count, "\(name): input size")
        self.batch = batch
        var output = [Float](repeating: 0, count: batch * channels)
        for n in 0..<batch {
            for p in 0..<pixels {
                for c in 0..<channels { output[n * channels + c] += x[(n * pixels + p) * channels + c] }
            }
        }
        let inverse = 1 / Float(pixels)
        return output.map { $0 * inverse }
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        let channels = inputShape.channels, inverse = 1 / Float(pixels)
        precondition(outputGradient.count == batch * channels, "\(name): output gradient size")
        return [(0..<(batch * inputShape.count)).map { i in outputGradient[(i / inputShape.count) * channels + i % channels] * inverse }]
    }

    /// Reference kernel (test oracle).
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        let channels = inputShape.channels
        return (0..<(batch * channels)).map { i in
            let n = i / channels, c = i % channels
            return (0..<pixels).reduce(0) { $0 + inputs[0][(n * pixels + $1) * channels + c] } / Double(pixels)
        }
    }
}
