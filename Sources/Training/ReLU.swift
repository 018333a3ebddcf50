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
        var output = [Float](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for i in 0..<x.count { y[i] = max(x[i], 0) }
            }
        }
        return output
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        precondition(outputGradient.count == input.count, "\(name): output gradient size")
        var inputGradient = [Float](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    for i in 0..<x.count { dx[i] = x[i] > 0 ? dy[i] : 0 }
                }
            }
        }
        return [inputGradient]
    }

    /// Reference kernel (test oracle).
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        inputs[0].map { max($0, 0) }
    }
}
