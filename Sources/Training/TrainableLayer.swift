import NeuralNetwork

/// One layer of the training engine. Values are contiguous NHWC Float buffers holding `batch`
/// images, as in the inference runtime. `forward` caches what `backward` needs (its inputs, and
/// whatever the layer derives from them); `backward` takes dL/d(output) of the last `forward`,
/// adds dL/d(parameter) into each parameter's gradient (so gradients accumulate until
/// `Parameter.zeroGradient`) and returns dL/d(input), one buffer per input.
///
/// Beside the fast Float kernels every layer carries a naive reference forward in Double, the
/// oracle the tests check the fast forward against and differentiate numerically to check
/// `backward`.
public protocol TrainableLayer: AnyObject {
    var name: String { get }
    /// One image's shape per input (two or more for `Add`, one otherwise).
    var inputShapes: [FeatureShape] { get }
    var outputShape: FeatureShape { get }
    /// The trainable parameters, in a fixed order, each with its gradient.
    var parameters: [Parameter] { get }
    /// The output for `batch` images. `training` selects batch statistics (BatchNormalization)
    /// and drawing a fresh mask (Dropout); the other layers ignore it.
    func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float]
    /// dL/d(input) for each input, given dL/d(output) of the last `forward`; accumulates the
    /// parameter gradients.
    func backward(outputGradient: [Float]) -> [[Float]]
    /// Reference kernel (test oracle): the forward pass in Double with the parameters given (in
    /// the order of `parameters`), as the last `forward` ran it (same mode, same Dropout mask).
    func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double]
}

extension TrainableLayer {
    /// The forward pass of a one-input layer.
    public func forward(_ input: [Float], batch: Int, training: Bool) -> [Float] {
        forward(inputs: [input], batch: batch, training: training)
    }

    /// The backward pass of a one-input layer.
    public func backward(_ outputGradient: [Float]) -> [Float] {
        backward(outputGradient: outputGradient)[0]
    }

    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// The one input shape of a one-input layer.
    public var inputShape: FeatureShape { inputShapes[0] }
}

/// A trainable tensor (Keras layout) and the gradient accumulated for it.
public final class Parameter {
    /// `layer/role`, as the model file names the tensor (e.g. `conv1/kernel`).
    public internal(set) var name: String
    public let shape: [Int]
    public var value: [Float]
    /// dL/d(value), summed over every `backward` since the last `zeroGradient`.
    public var gradient: [Float]

    public init(name: String, shape: [Int], value: [Float]) {
        precondition(shape.reduce(1, *) == value.count, "\(name): \(value.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = [Float](repeating: 0, count: value.count)
    }

    public func zeroGradient() {
        for i in gradient.indices { gradient[i] = 0 }
    }
}
