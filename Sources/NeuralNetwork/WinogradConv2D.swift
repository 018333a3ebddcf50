/// A 3x3, stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast
/// Algorithms for Convolutional Neural Networks", CVPR 2016). Each 2x2 block of output pixels (a
/// tile) comes from the 4x4 block of input around it: the block is transformed per channel
/// (V = Bᵀ d B), multiplied with the transformed kernel (U = G g Gᵀ) as 16 independent GEMMs over
/// the channels, one per position ξ of the 4x4 transform, and transformed back (Y = Aᵀ M A). That is
/// 16 multiplies per tile and channel pair where `Conv2D` makes 36: 2.25 times fewer, for additions
/// in the transforms that cost little once there are 16 channels or more. The transforms'
/// coefficients are 0, ±1 and ±1/2, so the results differ from direct convolution by rounding only.
///
///   input  [N, H, W, Cin], output [N, Ho, Wo, Cout]; any padding; Cin and Cout multiples of 8
///   transformed weights: 16 `PackedWeights` [Cin, Cout], bias added in the output transform
///
/// A work item is one row of tiles (two output rows). The tiles of a chunk of rows are
/// transformed into V [16, tiles, Cin], multiplied into M [16, tiles, Cout] and transformed into
/// the output, all in the thread's scratch, which the chunk size keeps within L2.
struct WinogradConv2D: Layer {
    let name: String
    let inputShape: FeatureShape
    let outputShape: FeatureShape
    let window: SlidingWindow
    let bias: AlignedFloats
    let activation: FusedActivation
    /// U for each of the 16 transform positions ξ = 4i + j, as [Cin, Cout] GEMM operands.
    let transformed: [PackedWeights]
    let tilesAcross: Int
    let tilesDown: Int
    /// Rows of tiles per chunk.
    let chunkRows: Int
    /// Floats of V and M one thread aims to stay within.
    static let scratchBudget = 96 * 1024
    /// Smaller GEMMs do not repay the transforms: measured with `moodwire bench classifier
    /// --layers`, 16 to 32 channels at 24x24 runs 1.3x faster than `Conv2D`, 16 to 16 at 48x48
    /// 1.3x slower.
    static let minimumInputChannels = 16
    static let minimumOutputChannels = 32

    /// The Winograd form of `conv`, whose batch normalisation and activation are already fused;
    /// nil unless it is a 3x3, stride-1 convolution whose channel counts suit it.
    init?(_ conv: Conv2D) {
        let window = conv.window
        let cin = conv.inputShape.channels, cout = conv.outputShape.channels
        guard window.height == 3, window.width == 3, window.strideY == 1, window.strideX == 1,
            cin >= Self.minimumInputChannels, cout >= Self.minimumOutputChannels, cin % 8 == 0, cout % 8 == 0
        else { return nil }
        name = conv.name
        inputShape = conv.inputShape
        outputShape = conv.outputShape
        self.window = window
        bias = AlignedFloats(conv.bias)
        activation = conv.activation
        transformed = Self.transform(conv.weights, inputs: cin, outputs: cout).map {
            PackedWeights(matrix: $0, rows: cin, columns: cout, bias: [Float](repeating: 0, count: cout))
        }
        tilesAcross = (outputShape.width + 1) / 2
        tilesDown = (outputShape.height + 1) / 2
        chunkRows = max(1, min(tilesDown, Self.scratchBudget / (16 * (cin + cout) * tilesAcross)))
    }

    /// U = G g Gᵀ for every (input, output) channel pair of HWIO weights [3, 3, Cin, Cout], with
    /// G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]: 16 matrices [Cin, Cout].
    static func transform(_ weights: [Float], inputs cin: Int, outputs cout: Int) -> [[Float]] {
        let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var result = [[Float]](repeating: [Float](repeating: 0, count: cin * cout), count: 16)
        for ci in 0..<cin {
            for co in 0..<cout {
                let k = (0..<3).map { ky in (0..<3).map { kx in Double(weights[((ky * 3 + kx) * cin + ci) * cout + co]) } }
                // G k: [4, 3]; then (G k) Gᵀ: [4, 4].
                let gk = (0..<4).map { i in (0..<3).map { x in (0..<3).reduce(0.0) { $0 + g[i][$1] * k[$1][x] } } }
                for i in 0..<4 {
                    for j in 0..<4 {
                        result[i * 4 + j][ci * cout + co] = Float((0..<3).reduce(0.0) { $0 + gk[i][$1] * g[j][$1] })
                    }
                }
            }
        }
        return result
    }

    var chunkTiles: Int { chunkRows * tilesAcross }

    /// A zeroed pixel for taps in the padding, then V and M.
    var scratchCount: Int { inputShape.channels + 16 * chunkTiles * (inputShape.channels + outputShape.channels) }

    /// The direct convolution's count, so that throughput figures compare with `Conv2D`'s.
    var multiplyAccumulates: Int { outputShape.height * outputShape.width * outputShape.channels * 9 * inputShape.channels }

    func workItems(batch: Int) -> Int { batch * tilesDown }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let cin = inputShape.channels, cout = outputShape.channels
        let zero = scratch
        zero.update(repeating: 0, count: cin)
        let v = scratch + cin, m = v + 16 * chunkTiles * cin
        var item = items.lowerBound
        while item < items.upperBound {
            let rows = min(chunkRows, items.upperBound - item)
            let tiles = rows * tilesAcross
            for r in 0..<rows {
                transformInputRow(item + r, input: inputs[0], zero: zero, into: v + r * tilesAcross * cin)
            }
            for position in 0..<16 {
                PackedGemm.multiply(
                    m: tiles, a: v + position * chunkTiles * cin, lda: cin, b: transformed[position], activation: .none,
                    c: m + position * chunkTiles * cout, ldc: cout)
            }
            for r in 0..<rows {
                transformOutputRow(item + r, from: m + r * tilesAcross * cout, output: output)
            }
            item += rows
        }
    }

    /// V for the tiles of one row: `v` points at the row's first tile in position 0's matrix.
    private func transformInputRow(_ row: Int, input: UnsafePointer<Float>, zero: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>) {
        let cin = inputShape.channels, positionStride = chunkTiles * cin
        let image = input + (row / tilesDown) * inputShape.count
        let y0 = (row % tilesDown) * 2 - window.padTop
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 16) { pixels in
            for tile in 0..<tilesAcross {
                let x0 = tile * 2 - window.padLeft
                for i in 0..<4 {
                    let y = y0 + i
                    for j in 0..<4 {
                        let x = x0 + j
                        let inside = y >= 0 && y < inputShape.height && x >= 0 && x < inputShape.width
                        pixels[i * 4 + j] = inside ? image + (y * inputShape.width + x) * cin : zero
                    }
                }
                let out = v + tile * cin
                var c = 0
                while c < cin {
                    Self.inputTransform(pixels.baseAddress!, channel: c, into: out + c, stride: positionStride)
                    c += 8
                }
            }
        }
    }

    /// Bᵀ d B for eight channels, with Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
    @inline(__always)
    private static func inputTransform(
        _ pixels: UnsafePointer<UnsafePointer<Float>>, channel c: Int, into out: UnsafeMutablePointer<Float>, stride: Int
    ) {
        typealias V = SIMD8<Float>
        @inline(__always) func d(_ index: Int) -> V { V.load(pixels[index] + c) }
        // One row i of V = Bᵀ d B from the four input rows' combination r = (Bᵀ d) row i.
        @inline(__always) func row(_ i: Int, _ r0: V, _ r1: V, _ r2: V, _ r3: V) {
            (r0 - r2).store(out + (i * 4) * stride)
            (r1 + r2).store(out + (i * 4 + 1) * stride)
            (r2 - r1).store(out + (i * 4 + 2) * stride)
            (r1 - r3).store(out + (i * 4 + 3) * stride)
        }
        let d4 = d(4), d5 = d(5), d6 = d(6), d7 = d(7), d8 = d(8), d9 = d(9), d10 = d(10), d11 = d(11)
        row(0, d(0) - d8, d(1) - d9, d(2) - d10, d(3) - d11)
        row(1, d4 + d8, d5 + d9, d6 + d10, d7 + d11)
        row(2, d8 - d4, d9 - d5, d10 - d6, d11 - d7)
        row(3, d4 - d(12), d5 - d(13), d6 - d(14), d7 - d(15))
    }

    /// Y = Aᵀ M A for the tiles of one row, with Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]], plus bias and
    /// activation; output pixels past an odd edge are dropped.
    private func transformOutputRow(_ row: Int, from m: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let cout = outputShape.channels, stride = chunkTiles * cout
        let image = output + (row / tilesDown) * outputShape.count
        let y = (row % tilesDown) * 2
        let rowsInside = min(2, outputShape.height - y)
        let relu = activation == .relu
        let bias = self.bias.pointer
        for tile in 0..<tilesAcross {
            let x = tile * 2, columnsInside = min(2, outputShape.width - x)
            let top = image + (y * outputShape.width + x) * cout, rowStride = outputShape.width * cout
            var c = 0
            while c < cout {
                let source = m + tile * cout + c
                @inline(__always) func value(_ position: Int) -> V { V.load(source + position * stride) }
                // s = Aᵀ M, column by column: row 0 is m0 + m1 + m2, row 1 is m1 - m2 - m3.
                let m4 = value(4), m5 = value(5), m6 = value(6), m7 = value(7)
                let m8 = value(8), m9 = value(9), m10 = value(10), m11 = value(11)
                let a0 = value(0) + m4 + m8, a1 = value(1) + m5 + m9, a2 = value(2) + m6 + m10, a3 = value(3) + m7 + m11
                let b0 = m4 - m8 - value(12), b1 = m5 - m9 - value(13), b2 = m6 - m10 - value(14), b3 = m7 - m11 - value(15)
                // Then Y = s A.
                let b = V.load(bias + c)
                @inline(__always) func store(_ result: V, _ out: UnsafeMutablePointer<Float>) {
                    (relu ? result.relu() : result).store(out)
                }
                store(a0 + a1 + a2 + b, top + c)
                if columnsInside == 2 { store(a1 - a2 - a3 + b, top + cout + c) }
                if rowsInside == 2 {
                    store(b0 + b1 + b2 + b, top + rowStride + c)
                    if columnsInside == 2 { store(b1 - b2 - b3 + b, top + rowStride + cout + c) }
                }
                c += 8
            }
        }
    }
}
