import NeuralNetwork

/// Element-wise sum of two or more maps of the same shape (residual connections); backward hands
/// dy to every input.
///
///   inputs [N, H, W, C] each
///   output [N, H, W, C]
public final class Add: TrainableLayer {
    public let name: String
    public let inputShapes: [FeatureShape]

    public init(name: String, shape: FeatureShape, inputCount: Int = 2) {
        precondition(inputCount >= 2, "\(name): Add takes two or more inputs")
        self.name = name
        self.inputShapes = [FeatureShape](repeating: shape, count: inputCount)
    }

    public var outputShape: FeatureShape { inputShape }
    public var parameters: [Parameter] { [] }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        precondition(inputs.count == inputShapes.count, "\(name): \(inputs.count) inputs, expected \(inputShapes.count)")
        var output = inputs[0]
        for other in inputs.dropFirst() {
            precondition(other.count == output.count, "\(name): added maps differ in size")
            for i in output.indices { output[i] += other[i] }
        }
        return output
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        [[Float]](repeating: outputGradient, count: inputShapes.count)
    }

    /// Reference kernel (test oracle).
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        inputs[0].indices.map { i in inputs.reduce(0) { $0 + $1[i] } }
    }
}
