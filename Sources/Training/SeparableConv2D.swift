import ModelFormat
import NeuralNetwork

/// Depthwise-separable convolution (Keras SeparableConv2D) as the composition it is: a depthwise
/// convolution without bias, then a 1x1 convolution with the bias. Forward runs the two in
/// order, backward in reverse.
///
///   input             [N, H, W, C]
///   depthwise_kernel  [kh, kw, C, M]
///   pointwise_kernel  [1, 1, C * M, Cout]
///   bias              [Cout]   (optional)
///   output            [N, Ho, Wo, Cout]
public final class SeparableConv2D: TrainableLayer {
    public let name: String
    public let depthwise: DepthwiseConv2D
    public let pointwise: Conv2D

    public init(
        name: String, input: FeatureShape, filters: Int, multiplier: Int = 1, kernel size: (height: Int, width: Int),
        stride: (y: Int, x: Int) = (1, 1), padding: Padding = .valid, useBias: Bool = true,
        random: inout SeededRandom
    ) {
        self.name = name
        depthwise = DepthwiseConv2D(
            name: name, input: input, multiplier: multiplier, kernel: size, stride: stride, padding: padding,
            useBias: false, random: &random)
        pointwise = Conv2D(
            name: name, input: depthwise.outputShape, filters: filters, kernel: (1, 1), useBias: useBias,
            random: &random)
        pointwise.kernel.name = name + "/pointwise_kernel"
    }

    public var inputShapes: [FeatureShape] { depthwise.inputShapes }
    public var outputShape: FeatureShape { pointwise.outputShape }

    /// depthwise_kernel, pointwise_kernel, bias.
    public var parameters: [Parameter] { depthwise.parameters + pointwise.parameters }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        pointwise.forward(depthwise.forward(inputs[0], batch: batch, training: training), batch: batch, training: training)
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        depthwise.backward(outputGradient: pointwise.backward(outputGradient))
    }

    /// Reference kernel (test oracle): the two reference kernels in turn.
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        let middle = depthwise.referenceForward(inputs: inputs, parameters: [parameters[0]], batch: batch, training: training)
        return pointwise.referenceForward(
            inputs: [middle], parameters: Array(parameters[1...]), batch: batch, training: training)
    }
}
