import ModelFormat

/// A stride-1 convolution with "same" padding on the inference kernels (packed weights, bordered
/// implicit GEMM), for the training engine: its forward pass, and its input gradient, which is the
/// same kind of convolution of the output gradient with the kernel turned 180° and its channel
/// axes swapped. Built anew whenever the weights change: packing costs one pass over them.
public struct ConvolutionKernel {
    private let layer: Conv2D

    /// `weights` are [kh, kw, Cin, Cout] (Keras HWIO); kh and kw odd.
    public init(input: FeatureShape, weights: [Float], bias: [Float]?, outputChannels: Int, kernel: (height: Int, width: Int)) {
        precondition(kernel.height % 2 == 1 && kernel.width % 2 == 1, "'same' padding is symmetric only for odd kernels")
        layer = Conv2D(
            name: "convolution", input: input, weights: weights, bias: bias, outputChannels: outputChannels, kernel: kernel,
            stride: (1, 1), padding: .same)
    }

    /// Pixels per row of the zero-bordered input tile the kernel reads: the image's width plus kw - 1.
    public var tileWidth: Int { layer.borderedWidth }

    /// Floats of one whole image's tile.
    public var tileCount: Int { (layer.outputShape.height + layer.window.height - 1) * layer.borderedWidth * layer.inputShape.channels }

    /// Writes one image into its tile as `run` reads it; the training engine's weight gradient
    /// reads the patches from it.
    public func fillTile(_ image: UnsafePointer<Float>, into tile: UnsafeMutablePointer<Float>) {
        layer.fillBorderedTile(tile, image: image, firstRow: 0, rows: layer.outputShape.height)
    }

    /// Floats of scratch `run` needs.
    public var scratchCount: Int { layer.scratchCount }

    /// Convolves `batch` images of `input` into `output`.
    public func run(_ input: UnsafePointer<Float>, batch: Int, output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 1) { inputs in
            inputs[0] = input
            layer.forward(UnsafeBufferPointer(inputs), output: output, items: 0..<layer.workItems(batch: batch), scratch: scratch)
        }
    }

    /// [kh, kw, Cin, Cout] → [kh, kw, Cout, Cin] turned 180° in space: the kernel whose "same"
    /// convolution of a gradient with respect to the output is the gradient with respect to the input.
    public static func transposedFlip(_ weights: [Float], kernel: (height: Int, width: Int), inputChannels cin: Int, outputChannels cout: Int)
        -> [Float]
    {
        var flipped = [Float](repeating: 0, count: weights.count)
        for ky in 0..<kernel.height {
            for kx in 0..<kernel.width {
                let source = (ky * kernel.width + kx) * cin * cout
                let target = ((kernel.height - 1 - ky) * kernel.width + (kernel.width - 1 - kx)) * cout * cin
                for ci in 0..<cin {
                    for co in 0..<cout { flipped[target + co * cin + ci] = weights[source + ci * cout + co] }
                }
            }
        }
        return flipped
    }
}
