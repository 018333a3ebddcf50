import ModelFormat

/// 2-D convolution, NHWC, as im2col + GEMM with bias and activation fused into the epilogue.
///
///   input  [N, H, W, Cin]
///   weights [kh, kw, Cin, Cout]  (Keras HWIO; read as a [kh*kw*Cin, Cout] matrix)
///   bias   [Cout]                (zeros when the layer has none; BatchNorm folds into it)
///   output [N, Ho, Wo, Cout]
///
/// Receptive fields up to `PackedGemm.maxDepth` floats run on the register-blocked `PackedGemm`
/// as an implicit GEMM: each kernel tap is a slice of K read straight from the input, bias and
/// activation fused into the store. A 1x1 stride-1 convolution is one plain GEMM over the pixels.
/// Another stride-1 convolution first copies the input rows it reads into a zero-bordered tile, so
/// that every pixel, border included, takes the 8-row blocks (see `borderedRows`); other strides
/// read the input in place. Deeper receptive fields gather each
/// output pixel's receptive field into a scratch matrix (im2col), a tile of rows at a time so it
/// stays in cache, and multiply it with OpenBLAS.
struct Conv2D: Layer {
    let name: String
    let inputShape: FeatureShape
    let outputShape: FeatureShape
    let window: SlidingWindow
    /// [kh * kw * Cin, Cout]
    private(set) var weights: [Float]
    /// [Cout]
    private(set) var bias: [Float]
    var activation: FusedActivation
    /// `weights` and `bias` repacked for `PackedGemm` (nil when OpenBLAS runs the product).
    private(set) var packed: PackedWeights?
    /// Per kernel row ky: its offset in floats from the window's top-left input value, in the
    /// input or, when `bordered`, in the bordered tile. In NHWC a kernel row's kw * Cin inputs are
    /// contiguous, so each kernel row is one tap of K.
    let tapOffsets: [Int]
    /// Per kernel row: its first row in the [kh * kw * Cin, Cout] weight matrix.
    let tapRows: [Int]
    /// Output rows per im2col tile, or per bordered tile.
    let tileRows: Int
    /// Stride 1 on `PackedGemm`: the run goes through `borderedRows`.
    let bordered: Bool
    /// The bordered tile's width in pixels: the output width plus the kernel width less one.
    let borderedWidth: Int
    /// 1x1, stride 1 on `PackedGemm`: one plain GEMM over the pixels.
    let pointwise: Bool

    /// Floats of im2col scratch one thread aims to stay within (fits in L2 with the weights).
    static let scratchBudget = 48 * 1024

    init(
        name: String, input: FeatureShape, weights: [Float], bias: [Float]?, outputChannels: Int,
        kernel: (height: Int, width: Int), stride: (y: Int, x: Int), padding: Padding,
        activation: FusedActivation = .none
    ) {
        precondition(
            weights.count == kernel.height * kernel.width * input.channels * outputChannels,
            "\(name): kernel size does not match its shape")
        let window = SlidingWindow(input: input, size: kernel, stride: stride, padding: padding)
        self.name = name
        self.inputShape = input
        self.window = window
        self.outputShape = FeatureShape(height: window.outputHeight, width: window.outputWidth, channels: outputChannels)
        self.weights = weights
        self.bias = bias ?? [Float](repeating: 0, count: outputChannels)
        self.activation = activation
        let patchSize = kernel.height * kernel.width * input.channels
        let pointwise = kernel == (1, 1) && stride == (1, 1)
        let bordered = stride == (1, 1) && !pointwise && patchSize <= PackedGemm.maxDepth
        self.pointwise = pointwise
        let borderedWidth = window.outputWidth + kernel.width - 1
        self.bordered = bordered
        self.borderedWidth = borderedWidth
        // A bordered tile of r output rows holds r + kh - 1 input rows and r rows of output grid.
        let rowFloats = bordered ? borderedWidth * (input.channels + outputChannels) : window.outputWidth * patchSize
        self.tileRows = max(1, min(window.outputHeight, Self.scratchBudget / max(rowFloats, 1)))
        self.tapOffsets = (0..<kernel.height).map { $0 * (bordered ? borderedWidth : input.width) * input.channels }
        self.tapRows = (0..<kernel.height).map { $0 * kernel.width * input.channels }
        repack()
    }

    private mutating func repack() {
        // Every tap (a kernel row, or its inside part at a border) spans a multiple of Cin rows of K.
        packed =
            patchSize <= PackedGemm.maxDepth
            ? PackedWeights(
                matrix: weights, rows: patchSize, columns: outputShape.channels, bias: bias,
                evenTaps: inputShape.channels % 2 == 0) : nil
    }

    /// K of the GEMM: floats in one receptive field.
    var patchSize: Int { window.height * window.width * inputShape.channels }

    var scratchCount: Int {
        if bordered { return (borderedTilePixels + 8) * inputShape.channels + (tileRows * borderedWidth + 8) * outputShape.channels }
        return packed == nil ? tileRows * outputShape.width * patchSize : 0
    }

    var multiplyAccumulates: Int { outputShape.height * outputShape.width * outputShape.channels * patchSize }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    /// Folds a following inference-mode BatchNormalization into the weights and bias.
    mutating func fold(_ norm: BatchNorm) {
        let cout = outputShape.channels
        precondition(norm.scale.count == cout, "\(name): batch norm channel count mismatch")
        for k in 0..<patchSize {
            for c in 0..<cout { weights[k * cout + c] *= norm.scale[c] }
        }
        for c in 0..<cout { bias[c] = bias[c] * norm.scale[c] + norm.shift[c] }
        repack()
    }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        if let packed, bordered {
            borderedRows(items, input: inputs[0], output: output, packed: packed, scratch: scratch)
            return
        }
        if let packed, pointwise {
            // A 1x1 stride-1 convolution maps pixel to pixel, and rows are contiguous across
            // images: the whole range is one plain GEMM over its pixels, read in place.
            PackedGemm.multiply(
                m: items.count * outputShape.width, a: inputs[0] + items.lowerBound * inputShape.rowCount, lda: inputShape.channels,
                b: packed, activation: activation, c: output + items.lowerBound * outputShape.rowCount, ldc: outputShape.channels)
            return
        }
        if let packed {
            tapOffsets.withUnsafeBufferPointer { offsets in
                tapRows.withUnsafeBufferPointer { rows in
                    for row in items {
                        implicitGemmRow(
                            row, input: inputs[0], output: output, packed: packed,
                            offsets: offsets.baseAddress!, rows: rows.baseAddress!)
                    }
                }
            }
            return
        }
        let outRow = outputShape.rowCount
        var row = items.lowerBound
        while row < items.upperBound {
            // A tile never crosses an image boundary, so im2col sees one image.
            let image = row / outputShape.height
            let firstY = row % outputShape.height
            let count = min(tileRows, items.upperBound - row, outputShape.height - firstY)
            im2col(image: inputs[0] + image * inputShape.count, firstRow: firstY, rows: count, into: scratch)
            let pixels = count * outputShape.width
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { b in
                    Gemm.multiply(
                        m: pixels, n: outputShape.channels, k: patchSize, a: scratch, lda: patchSize,
                        b: w.baseAddress!, ldb: outputShape.channels, c: output + row * outRow, ldc: outputShape.channels)
                    activation.apply(to: output + row * outRow, pixels: pixels, channels: outputShape.channels, bias: b.baseAddress!)
                }
            }
            row += count
        }
    }

    /// Pixels of a full bordered tile: the input rows of `tileRows` output rows.
    private var borderedTilePixels: Int { (tileRows + window.height - 1) * borderedWidth }

    /// Stride 1: a tile of output rows at a time, their input rows are copied into a tile
    /// `borderedWidth` pixels wide with the padding written as zeros. In it, output pixel (y, x)
    /// reads its window from pixel y * borderedWidth + x on, Cin floats per pixel step, so the
    /// whole tile is one implicit GEMM over consecutive grid positions: rows of every length take
    /// the 8-row blocks, where reading in place left the border pixels (most of a 6x6 map) to the
    /// one-row kernel. The grid's kw - 1 extra positions per row are computed and dropped, and so
    /// are up to 7 positions past the last, which round the run up to whole 8-row blocks: they
    /// read the zeroed 8 pixels past the tile and write the 8 spare grid pixels.
    private func borderedRows(
        _ items: Range<Int>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, packed: PackedWeights,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let cin = inputShape.channels, cout = outputShape.channels, width = borderedWidth
        let tile = scratch, grid = scratch + (borderedTilePixels + 8) * cin
        var row = items.lowerBound
        while row < items.upperBound {
            let image = input + (row / outputShape.height) * inputShape.count
            let firstY = row % outputShape.height
            let count = min(tileRows, items.upperBound - row, outputShape.height - firstY)
            fillBorderedTile(tile, image: image, firstRow: firstY, rows: count)
            (tile + (count + window.height - 1) * width * cin).update(repeating: 0, count: 8 * cin)
            let positions = ((count - 1) * width + outputShape.width + 7) / 8 * 8
            tapOffsets.withUnsafeBufferPointer { offsets in
                tapRows.withUnsafeBufferPointer { rows in
                    let taps = TapList(aOffsets: offsets.baseAddress!, bRows: rows.baseAddress!, count: window.height, depth: window.width * cin)
                    PackedGemm.multiply(m: positions, a: tile, lda: cin, taps: taps, b: packed, activation: activation, c: grid, ldc: cout)
                }
            }
            for r in 0..<count {
                (output + (row + r) * outputShape.rowCount).update(from: grid + r * width * cout, count: outputShape.width * cout)
            }
            row += count
        }
    }

    /// Input rows `firstRow - padTop ..< firstRow + rows + kh - 1 - padTop` of one image, each
    /// `borderedWidth` pixels wide: padLeft zero pixels, the image row, zeros to the end; rows
    /// outside the image are all zeros.
    func fillBorderedTile(_ tile: UnsafeMutablePointer<Float>, image: UnsafePointer<Float>, firstRow: Int, rows: Int) {
        let cin = inputShape.channels, rowFloats = borderedWidth * cin
        let left = window.padLeft * cin, inside = inputShape.width * cin
        for r in 0..<(rows + window.height - 1) {
            let destination = tile + r * rowFloats
            let y = firstRow + r - window.padTop
            guard y >= 0 && y < inputShape.height else {
                destination.update(repeating: 0, count: rowFloats)
                continue
            }
            destination.update(repeating: 0, count: left)
            (destination + left).update(from: image + y * inside, count: inside)
            (destination + left + inside).update(repeating: 0, count: rowFloats - left - inside)
        }
    }

    /// One output row (`row` counts rows across the batch). Pixels whose window lies inside the
    /// image go through the full tap list in blocks; the others, at the borders, one by one with
    /// only their inside taps (outside taps are zero padding and contribute nothing).
    @inline(__always)
    private func implicitGemmRow(
        _ row: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        packed: PackedWeights, offsets: UnsafePointer<Int>, rows: UnsafePointer<Int>
    ) {
        let cin = inputShape.channels, cout = outputShape.channels
        let image = input + (row / outputShape.height) * inputShape.count
        let out = output + row * outputShape.rowCount
        let y0 = (row % outputShape.height) * window.strideY - window.padTop
        let rowInside = y0 >= 0 && y0 + window.height <= inputShape.height
        let insideStart = window.insideColumns.lowerBound, insideEnd = window.insideColumns.upperBound
        if rowInside && insideStart < insideEnd {
            let taps = TapList(aOffsets: offsets, bRows: rows, count: window.height, depth: window.width * cin)
            PackedGemm.multiply(
                m: insideEnd - insideStart, a: image + (y0 * inputShape.width + insideStart * window.strideX - window.padLeft) * cin,
                lda: window.strideX * cin, taps: taps, b: packed, activation: activation,
                c: out + insideStart * cout, ldc: cout)
        }
        if rowInside && insideStart == 0 && insideEnd == outputShape.width { return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * window.height) { scratch in
            let pixelOffsets = scratch.baseAddress!, pixelRows = scratch.baseAddress! + window.height
            for ox in 0..<outputShape.width where !rowInside || ox < insideStart || ox >= insideEnd {
                let x0 = ox * window.strideX - window.padLeft
                let kxStart = max(0, -x0), kxEnd = min(window.width, inputShape.width - x0)
                var count = 0
                for ky in max(0, -y0)..<min(window.height, inputShape.height - y0) {
                    pixelOffsets[count] = ((y0 + ky) * inputShape.width + x0 + kxStart) * cin
                    pixelRows[count] = (ky * window.width + kxStart) * cin
                    count += 1
                }
                let taps = TapList(aOffsets: pixelOffsets, bRows: pixelRows, count: count, depth: (kxEnd - kxStart) * cin)
                PackedGemm.multiply(
                    m: 1, a: image, lda: 0, taps: taps, b: packed, activation: activation,
                    c: out + ox * cout, ldc: cout)
            }
        }
    }

    /// Writes one row of `patchSize` floats per output pixel of rows `firstRow..<firstRow+rows`,
    /// ordered (ky, kx, cin) to match the weights; taps outside the image are zero.
    private func im2col(image: UnsafePointer<Float>, firstRow: Int, rows: Int, into patches: UnsafeMutablePointer<Float>) {
        let cin = inputShape.channels
        let tapRun = window.width * cin
        var out = patches
        for oy in firstRow..<(firstRow + rows) {
            for ox in 0..<outputShape.width {
                let x0 = ox * window.strideX - window.padLeft
                for ky in 0..<window.height {
                    let iy = oy * window.strideY + ky - window.padTop
                    if iy < 0 || iy >= inputShape.height {
                        out.update(repeating: 0, count: tapRun)
                    } else if x0 >= 0 && x0 + window.width <= inputShape.width {
                        out.update(from: image + (iy * inputShape.width + x0) * cin, count: tapRun)
                    } else {
                        for kx in 0..<window.width {
                            let ix = x0 + kx
                            if ix < 0 || ix >= inputShape.width {
                                (out + kx * cin).update(repeating: 0, count: cin)
                            } else {
                                (out + kx * cin).update(from: image + (iy * inputShape.width + ix) * cin, count: cin)
                            }
                        }
                    }
                    out += tapRun
                }
            }
        }
    }

    /// Reference kernel (test oracle): direct convolution over a whole batch, in Double.
    func naiveForward(_ input: [Float], batch: Int) -> [Float] {
        let cin = inputShape.channels, cout = outputShape.channels
        var result = [Float](repeating: 0, count: batch * outputShape.count)
        for n in 0..<batch {
            for oy in 0..<outputShape.height {
                for ox in 0..<outputShape.width {
                    for co in 0..<cout {
                        var sum = Double(bias[co])
                        for ky in 0..<window.height {
                            for kx in 0..<window.width {
                                let iy = oy * window.strideY + ky - window.padTop, ix = ox * window.strideX + kx - window.padLeft
                                guard iy >= 0, iy < inputShape.height, ix >= 0, ix < inputShape.width else { continue }
                                for ci in 0..<cin {
                                    let x = input[n * inputShape.count + (iy * inputShape.width + ix) * cin + ci]
                                    let w = weights[((ky * window.width + kx) * cin + ci) * cout + co]
                                    sum += Double(x) * Double(w)
                                }
                            }
                        }
                        result[n * outputShape.count + (oy * outputShape.width + ox) * cout + co] = activation(Float(sum))
                    }
                }
            }
        }
        return result
    }
}
