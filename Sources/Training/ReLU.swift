import NeuralNetwork

/// max(x, 0) elementwise; backward passes dy where the input was positive.
///
///   input, output [N, H, W, C]
public final class ReLU: TrainableLayer {
    public let name: String
    public let inputShapes: [FeatureShape]
    private var input: [Float] = []

    public init(name: String, shape: FeatureShape) {
        self.name = name
        self.inputShapes = [shape]
    }

    public var outputShape: FeatureShape { inputShape }
    public var parameters: [Parameter] { [] }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        input = inputs[0]
        return input.map { max($0, 0) }
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        precondition(outputGradient.count == input.count, "\(name): output gradient size")
        return [zip(input, outputGradient).map { $0 > 0 ? $1 : 0 }]
    }

    /// Reference kernel (test oracle).
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        inputs[0].map { max($0, 0) }
    }
}
