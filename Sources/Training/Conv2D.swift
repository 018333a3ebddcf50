import ModelFormat
import NeuralNetwork

/// 2-D convolution, NHWC, TensorFlow padding, as im2col + GEMM per image.
///
///   input   [N, H, W, Cin]
///   kernel  [kh, kw, Cin, Cout]  (Keras HWIO; a [kh*kw*Cin, Cout] matrix)
///   bias    [Cout]               (optional)
///   output  [N, Ho, Wo, Cout]
///
/// Forward: patches P[Ho*Wo, kh*kw*Cin] = im2col(x), y = P W + b. Backward, per image: the
/// patches are gathered again (cheaper than keeping them for the whole batch), dW += Pᵀ dy,
/// db += Σ dy, dP = dy Wᵀ, and col2im adds dP back onto dx. A 1x1 stride-1 convolution is a
/// plain product over the pixels and skips im2col.
///
/// An odd kernel at stride 1 with "same" padding (every convolution of the VGG networks) runs its
/// forward pass and its input gradient on the inference runtime's kernels instead
/// (`ConvolutionKernel`: packed weights, implicit GEMM, no im2col): dx is the "same" convolution of
/// dy with the kernel turned 180° and its channel axes swapped, so col2im goes too; dW reads its
/// patches from the forward kernel's bordered tile instead of gathering them.
public final class Conv2D: TrainableLayer {
    public let name: String
    public let inputShapes: [FeatureShape]
    public let outputShape: FeatureShape
    public let window: SlidingWindow
    public let kernel: Parameter
    public let bias: Parameter?
    private var input: [Float] = []
    private var batch = 0
    /// Scratch of the inference kernels (`ConvolutionKernel`).
    private var scratch: [Float] = []
    /// The last forward pass's kernel, whose tile layout the weight gradient reads.
    private var forwardKernel: ConvolutionKernel?

    public init(
        name: String, input: FeatureShape, filters: Int, kernel size: (height: Int, width: Int),
        stride: (y: Int, x: Int) = (1, 1), padding: Padding = .valid, useBias: Bool = true,
        random: inout SeededRandom
    ) {
        let window = SlidingWindow(input: input, size: size, stride: stride, padding: padding)
        precondition(window.outputHeight > 0 && window.outputWidth > 0, "\(name): the kernel does not fit \(input)")
        self.name = name
        self.inputShapes = [input]
        self.window = window
        self.outputShape = FeatureShape(height: window.outputHeight, width: window.outputWidth, channels: filters)
        let fanIn = size.height * size.width * input.channels
        self.kernel = Parameter(
            name: name + "/kernel", shape: [size.height, size.width, input.channels, filters],
            value: random.heNormal(count: fanIn * filters, fanIn: fanIn))
        self.bias = useBias ? Parameter(name: name + "/bias", shape: [filters], value: [Float](repeating: 0, count: filters)) : nil
    }

    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }

    /// False for a convolution that reads the network input, whose gradient nobody uses:
    /// `backward` then skips dY Wᵀ and col2im (a third of its work) and returns zeros.
    public var computesInputGradient = true

    /// K of the GEMM: floats in one receptive field.
    var patchSize: Int { window.height * window.width * inputShape.channels }

    /// A 1x1 stride-1 kernel reads each pixel as its own patch.
    var isPointwise: Bool { window.height == 1 && window.width == 1 && window.strideY == 1 && window.strideX == 1 }

    /// Stride 1, an odd kernel larger than 1x1, "same" padding: runs on `ConvolutionKernel`.
    var runsOnInferenceKernels: Bool {
        window.strideY == 1 && window.strideX == 1 && window.height % 2 == 1 && window.width % 2 == 1 && !isPointwise
            && window.padTop == window.height / 2 && window.padLeft == window.width / 2
            && outputShape.height == inputShape.height && outputShape.width == inputShape.width
    }

    /// Runs `convolution` on `batch` images, in this layer's scratch.
    private func run(_ convolution: ConvolutionKernel, _ x: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>) {
        if scratch.count < convolution.scratchCount { scratch = [Float](repeating: 0, count: convolution.scratchCount) }
        scratch.withUnsafeMutableBufferPointer { convolution.run(x, batch: batch, output: y, scratch: $0.baseAddress!) }
    }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        precondition(inputs[0].count == batch * inputShape.count, "\(name): input size")
        input = inputs[0]
        self.batch = batch
        let pixels = outputShape.height * outputShape.width, cout = outputShape.channels
        var output = [Float](repeating: 0, count: batch * outputShape.count)
        if runsOnInferenceKernels {
            let convolution = ConvolutionKernel(
                input: inputShape, weights: kernel.value, bias: bias?.value, outputChannels: cout, kernel: (window.height, window.width))
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { run(convolution, x.baseAddress!, batch: batch, into: $0.baseAddress!) }
            }
            forwardKernel = convolution
            return output
        }
        var patches = [Float](repeating: 0, count: isPointwise ? 0 : pixels * patchSize)
        let b = bias?.value ?? []
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                patches.withUnsafeMutableBufferPointer { p in
                    kernel.value.withUnsafeBufferPointer { w in
                        b.withUnsafeBufferPointer { b in
                            for n in 0..<batch {
                                let image = x.baseAddress! + n * inputShape.count
                                let a = isPointwise ? image : UnsafePointer(gather(image, into: p.baseAddress!))
                                AffineProduct.forward(
                                    x: a, rows: pixels, depth: patchSize, weights: w.baseAddress!, columns: cout,
                                    bias: bias == nil ? nil : b.baseAddress!, output: y.baseAddress! + n * outputShape.count)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(outputGradient: [Float]) -> [[Float]] {
        precondition(outputGradient.count == batch * outputShape.count, "\(name): output gradient size")
        let pixels = outputShape.height * outputShape.width, cout = outputShape.channels
        var inputGradient = [Float](repeating: 0, count: batch * inputShape.count)
        if let forwardKernel, runsOnInferenceKernels {
            // dx is one convolution of dy; dW is read off the forward kernel's tiles.
            if computesInputGradient {
                let cin = inputShape.channels, size = (window.height, window.width)
                let convolution = ConvolutionKernel(
                    input: outputShape,
                    weights: ConvolutionKernel.transposedFlip(kernel.value, kernel: size, inputChannels: cin, outputChannels: cout),
                    bias: nil, outputChannels: cin, kernel: size)
                outputGradient.withUnsafeBufferPointer { dy in
                    inputGradient.withUnsafeMutableBufferPointer { run(convolution, dy.baseAddress!, batch: batch, into: $0.baseAddress!) }
                }
            }
            outputGradient.withUnsafeBufferPointer { accumulateKernelGradientOnTiles($0.baseAddress!, forward: forwardKernel) }
            return [inputGradient]
        }
        var patches = [Float](repeating: 0, count: isPointwise ? 0 : pixels * patchSize)
        var patchGradient = [Float](repeating: 0, count: isPointwise || !computesInputGradient ? 0 : pixels * patchSize)
        var biasGradient = bias?.gradient ?? []
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    patches.withUnsafeMutableBufferPointer { p in
                        patchGradient.withUnsafeMutableBufferPointer { dp in
                            kernel.value.withUnsafeBufferPointer { w in
                                kernel.gradient.withUnsafeMutableBufferPointer { dw in
                                    biasGradient.withUnsafeMutableBufferPointer { db in
                                        for n in 0..<batch {
                                            let image = x.baseAddress! + n * inputShape.count
                                            let imageGradient = dx.baseAddress! + n * inputShape.count
                                            let a = isPointwise ? image : UnsafePointer(gather(image, into: p.baseAddress!))
                                            AffineProduct.backward(
                                                x: a, rows: pixels, depth: patchSize, weights: w.baseAddress!, columns: cout,
                                                outputGradient: dy.baseAddress! + n * outputShape.count,
                                                weightGradient: dw.baseAddress!, biasGradient: bias == nil ? nil : db.baseAddress!,
                                                inputGradient: computesInputGradient ? (isPointwise ? imageGradient : dp.baseAddress!) : nil)
                                            if computesInputGradient && !isPointwise { scatterAdd(dp.baseAddress!, into: imageGradient) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        bias?.gradient = biasGradient
        return [inputGradient]
    }

    /// dW and db on the inference kernels' layout, without im2col. Per image, the input goes into
    /// the forward kernel's zero-bordered tile (Wo + kw - 1 pixels wide) and dy onto a grid of the
    /// same width, zeros in its extra columns; then tap (ky, kx)'s [Cin, Cout] block of dW is one
    /// product tileᵀ dy over the grid positions up to the last output pixel, the tile read from that
    /// tap's offset on (a contiguous [positions, Cin] matrix: the patches without gathering them).
    private func accumulateKernelGradientOnTiles(_ dy: UnsafePointer<Float>, forward: ConvolutionKernel) {
        let cin = inputShape.channels, cout = outputShape.channels
        let width = forward.tileWidth, positions = (outputShape.height - 1) * width + outputShape.width
        var tile = [Float](repeating: 0, count: forward.tileCount)
        var grid = [Float](repeating: 0, count: positions * cout)
        var biasGradient = bias?.gradient ?? []
        input.withUnsafeBufferPointer { x in
            tile.withUnsafeMutableBufferPointer { tile in
                grid.withUnsafeMutableBufferPointer { grid in
                    kernel.gradient.withUnsafeMutableBufferPointer { dw in
                        for n in 0..<batch {
                            let image = x.baseAddress! + n * inputShape.count, gradient = dy + n * outputShape.count
                            forward.fillTile(image, into: tile.baseAddress!)
                            for y in 0..<outputShape.height {
                                (grid.baseAddress! + y * width * cout)
                                    .update(from: gradient + y * outputShape.width * cout, count: outputShape.width * cout)
                            }
                            for ky in 0..<window.height {
                                for kx in 0..<window.width {
                                    Gemm.multiply(
                                        m: cin, n: cout, k: positions, a: tile.baseAddress! + (ky * width + kx) * cin, lda: cin,
                                        transposeA: true, b: grid.baseAddress!, ldb: cout, transposeB: false,
                                        c: dw.baseAddress! + (ky * window.width + kx) * cin * cout, ldc: cout, accumulate: true)
                                }
                            }
                            if bias != nil {
                                for pixel in 0..<(outputShape.height * outputShape.width) {
                                    for c in 0..<cout { biasGradient[c] += gradient[pixel * cout + c] }
                                }
                            }
                        }
                    }
                }
            }
        }
        bias?.gradient = biasGradient
    }

    /// im2col: one row of `patchSize` floats per output pixel of one image, ordered (ky, kx, cin)
    /// as the kernel; taps in the padding are zero. Returns `patches`.
    private func gather(_ image: UnsafePointer<Float>, into patches: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        forEachTap(in: patches) { patch, pixel in
            if let pixel {
                patch.update(from: image + pixel, count: inputShape.channels)
            } else {
                patch.update(repeating: 0, count: inputShape.channels)
            }
        }
        return patches
    }

    /// col2im: adds each patch row back onto the input pixels it was gathered from.
    private func scatterAdd(_ patches: UnsafeMutablePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        let cin = inputShape.channels
        forEachTap(in: patches) { patch, pixel in
            guard let pixel else { return }
            for c in 0..<cin { image[pixel + c] += patch[c] }
        }
    }

    /// Visits every (output pixel, kernel tap) in patch order with the tap's Cin floats in the
    /// patch matrix and the offset of the input pixel it reads (nil in the padding).
    @inline(__always)
    private func forEachTap(in patches: UnsafeMutablePointer<Float>, _ body: (UnsafeMutablePointer<Float>, Int?) -> Void) {
        let cin = inputShape.channels
        var patch = patches
        for oy in 0..<outputShape.height {
            for ox in 0..<outputShape.width {
                for ky in 0..<window.height {
                    let iy = oy * window.strideY + ky - window.padTop
                    for kx in 0..<window.width {
                        let ix = ox * window.strideX + kx - window.padLeft
                        let inside = iy >= 0 && iy < inputShape.height && ix >= 0 && ix < inputShape.width
                        body(patch, inside ? (iy * inputShape.width + ix) * cin : nil)
                        patch += cin
                    }
                }
            }
        }
    }

    /// Reference kernel (test oracle): direct convolution in Double.
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        let x = inputs[0], w = parameters[0]
        let cin = inputShape.channels, cout = outputShape.channels
        var result = [Double](repeating: 0, count: batch * outputShape.count)
        if bias != nil {
            for i in result.indices { result[i] = parameters[1][i % cout] }
        }
        window.forEachInsideTap(batch: batch, input: inputShape) { outputPixel, tap, inputPixel in
            for co in 0..<cout {
                var sum = 0.0
                for ci in 0..<cin { sum += x[inputPixel * cin + ci] * w[(tap * cin + ci) * cout + co] }
                result[outputPixel * cout + co] += sum
            }
        }
        return result
    }
}
