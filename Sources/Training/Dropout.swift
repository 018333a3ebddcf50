import NeuralNetwork

/// Inverted dropout: in training each value is kept with probability 1 - rate and scaled by
/// 1 / (1 - rate), so inference is the identity. The mask comes from the layer's own seeded
/// generator, one fresh mask per training forward; backward multiplies dy by the same mask.
///
///   input, output [N, H, W, C]
public final class Dropout: TrainableLayer {
    public let name: String
    public let inputShapes: [FeatureShape]
    public let rate: Float
    private var random: SeededRandom
    /// The last training forward's mask (0 or 1 / (1 - rate) per value); nil after inference.
    public private(set) var mask: [Float]?

    public init(name: String, shape: FeatureShape, rate: Float, random: inout SeededRandom) {
        precondition(rate >= 0 && rate < 1, "\(name): the dropout rate must be in [0, 1)")
        self.name = name
        self.inputShapes = [shape]
        self.rate = rate
        self.random = random.split()
    }

    /// Draws the next masks from `random` (the trainer gives every step a stream of its own).
    public func reseed(_ random: SeededRandom) {
        self.random = random
    }

    public var outputShape: FeatureShape { inputShape }
    public var parameters: [Parameter] { [] }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        guard training, rate > 0 else {
            mask = nil
            return inputs[0]
        }
        let keep = 1 - rate, scale = 1 / keep
        let mask = inputs[0].indices.map { _ in random.uniform() < keep ? scale : 0 }
        self.mask = mask
        return zip(inputs[0], mask).map { $0 * $1 }
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        guard let mask else { return [outputGradient] }
        precondition(outputGradient.count == mask.count, "\(name): output gradient size")
        return [zip(outputGradient, mask).map { $0 * $1 }]
    }

    /// Reference kernel (test oracle): the last forward's mask applied in Double.
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        guard training, let mask else { return inputs[0] }
        return zip(inputs[0], mask).map { $0 * Double($1) }
    }
}
