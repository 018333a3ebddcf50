import ModelFormat

/// A weight matrix B [K, N] repacked for `PackedGemm`: column panels of `width` floats
/// (16, or 8 when N <= 8), each panel's K rows contiguous, zero-padded past N.
///
///   values [panels, K, width]
///   bias   [panels * width]
///
/// A narrow matrix (N <= 8) whose taps all start and end on even rows is instead packed in row
/// pairs, so that one 16-lane FMA covers two rows of K: lane 2n + j holds B[2i + j, n].
///
///   values [K / 2, 16]   (paired)
struct PackedWeights: Sendable {
    let rows: Int
    let columns: Int
    let width: Int
    let panels: Int
    let paired: Bool
    let values: AlignedFloats
    let bias: AlignedFloats

    init(matrix: [Float], rows: Int, columns: Int, bias: [Float], evenTaps: Bool = false) {
        precondition(matrix.count == rows * columns && bias.count == columns, "matrix and bias must match [K, N] and [N]")
        self.rows = rows
        self.columns = columns
        width = columns <= 8 ? 8 : 16
        panels = (columns + width - 1) / width
        paired = width == 8 && evenTaps && rows % 2 == 0
        var values = [Float](repeating: 0, count: panels * rows * width)
        for k in 0..<rows {
            for n in 0..<columns {
                let index = paired ? (k / 2) * 16 + 2 * n + k % 2 : ((n / width) * rows + k) * width + n % width
                values[index] = matrix[k * columns + n]
            }
        }
        self.values = AlignedFloats(values)
        self.bias = AlignedFloats(bias + [Float](repeating: 0, count: panels * width - columns))
    }
}

/// Where the K values of one output row (pixel) come from: `count` taps, each `depth`
/// contiguous floats at `aOffsets[t]` from the row's base in A, multiplying rows
/// `bRows[t] ..< bRows[t] + depth` of B. A plain matrix is one tap of depth K; a convolution
/// reads its kernel taps straight from the input image (implicit GEMM, no im2col copy).
struct TapList {
    let aOffsets: UnsafePointer<Int>
    let bRows: UnsafePointer<Int>
    let count: Int
    let depth: Int
}

/// C[m, N] = activation(A * B + bias) with B packed, on explicit SIMD registers: blocks of eight
/// rows of A against one or two panels of B, accumulators held in registers over all of K, bias
/// and activation applied before the single store. The small, skinny products of a face CNN
/// (K and N of 8 to 128) would spend most of a general BLAS call packing A; this reads A in place.
enum PackedGemm {
    /// Deepest K for which B's panels (K x 16 floats each) stay in L2 next to A's rows; deeper
    /// products go to OpenBLAS, whose cache blocking pays off there.
    static let maxDepth = 4096

    /// A plain row-major A [m, K] with row stride `lda`.
    static func multiply(
        m: Int, a: UnsafePointer<Float>, lda: Int, b: PackedWeights, activation: FusedActivation,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 1) { zero in
            zero[0] = 0
            let taps = TapList(aOffsets: zero.baseAddress!, bRows: zero.baseAddress!, count: 1, depth: b.rows)
            multiply(m: m, a: a, lda: lda, taps: taps, b: b, activation: activation, c: c, ldc: ldc)
        }
    }

    /// Rows of A start `lda` floats apart at `a`; each row's K values are gathered by `taps`.
    static func multiply(
        m: Int, a: UnsafePointer<Float>, lda: Int, taps: TapList, b: PackedWeights,
        activation: FusedActivation, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let values = b.values.pointer
        let bias = b.bias.pointer
        let relu = activation == .relu
        if b.paired {
            pairedRows(
                m: m, a: a, lda: lda, taps: taps, b: values, bias: bias,
                relu: relu, c: c, ldc: ldc, valid: b.columns)
            return
        }
        var panel = 0
        if b.width == 16 {
            while panel + 2 <= b.panels {
                let column = panel * 16
                panelPair(
                    m: m, a: a, lda: lda, taps: taps, b: values + panel * b.rows * 16, k: b.rows,
                    bias: bias + column, relu: relu, c: c + column, ldc: ldc,
                    valid: min(32, b.columns - column))
                panel += 2
            }
        }
        while panel < b.panels {
            let column = panel * b.width
            let weights = values + panel * b.rows * b.width
            let valid = min(b.width, b.columns - column)
            if b.width == 16 {
                singlePanel(
                    SIMD16<Float>.self, m: m, a: a, lda: lda, taps: taps, b: weights,
                    bias: bias + column, relu: relu, c: c + column, ldc: ldc, valid: valid)
            } else {
                singlePanel(
                    SIMD8<Float>.self, m: m, a: a, lda: lda, taps: taps, b: weights,
                    bias: bias + column, relu: relu, c: c + column, ldc: ldc, valid: valid)
            }
            panel += 1
        }
    }

    /// Eight rows x one panel per block; then single rows. (Kernels stay separate functions: inlined
    /// into one large caller, the optimiser stops inlining the vector loads inside them.)
    @inline(never)
    private static func singlePanel<V: FloatVector>(
        _: V.Type, m: Int, a: UnsafePointer<Float>, lda: Int, taps: TapList,
        b: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int, valid: Int
    ) {
        let width = V.scalarCount
        let biasVector = V.load(bias)
        var row = 0
        while row + 8 <= m {
            var c0 = biasVector, c1 = biasVector, c2 = biasVector, c3 = biasVector
            var c4 = biasVector, c5 = biasVector, c6 = biasVector, c7 = biasVector
            for t in 0..<taps.count {
                let a0 = a + row * lda + taps.aOffsets[t]
                let w0 = b + taps.bRows[t] * width
                for p in 0..<taps.depth {
                    let w = V.load(w0 + p * width)
                    c0 = c0.addingProduct(V(repeating: a0[p]), w)
                    c1 = c1.addingProduct(V(repeating: a0[lda + p]), w)
                    c2 = c2.addingProduct(V(repeating: a0[2 * lda + p]), w)
                    c3 = c3.addingProduct(V(repeating: a0[3 * lda + p]), w)
                    c4 = c4.addingProduct(V(repeating: a0[4 * lda + p]), w)
                    c5 = c5.addingProduct(V(repeating: a0[5 * lda + p]), w)
                    c6 = c6.addingProduct(V(repeating: a0[6 * lda + p]), w)
                    c7 = c7.addingProduct(V(repeating: a0[7 * lda + p]), w)
                }
            }
            let out = c + row * ldc
            store(c0, to: out, relu: relu, valid: valid)
            store(c1, to: out + ldc, relu: relu, valid: valid)
            store(c2, to: out + 2 * ldc, relu: relu, valid: valid)
            store(c3, to: out + 3 * ldc, relu: relu, valid: valid)
            store(c4, to: out + 4 * ldc, relu: relu, valid: valid)
            store(c5, to: out + 5 * ldc, relu: relu, valid: valid)
            store(c6, to: out + 6 * ldc, relu: relu, valid: valid)
            store(c7, to: out + 7 * ldc, relu: relu, valid: valid)
            row += 8
        }
        while row < m {
            // One row alone would be one chain of dependent FMAs: split K over four accumulators.
            var c0 = biasVector, c1 = V(), c2 = V(), c3 = V()
            for t in 0..<taps.count {
                let a0 = a + row * lda + taps.aOffsets[t]
                let w0 = b + taps.bRows[t] * width
                var p = 0
                while p + 4 <= taps.depth {
                    c0 = c0.addingProduct(V(repeating: a0[p]), V.load(w0 + p * width))
                    c1 = c1.addingProduct(V(repeating: a0[p + 1]), V.load(w0 + (p + 1) * width))
                    c2 = c2.addingProduct(V(repeating: a0[p + 2]), V.load(w0 + (p + 2) * width))
                    c3 = c3.addingProduct(V(repeating: a0[p + 3]), V.load(w0 + (p + 3) * width))
                    p += 4
                }
                while p < taps.depth {
                    c0 = c0.addingProduct(V(repeating: a0[p]), V.load(w0 + p * width))
                    p += 1
                }
            }
            store((c0 + c1) + (c2 + c3), to: c + row * ldc, relu: relu, valid: valid)
            row += 1
        }
    }

    /// Eight rows x two 16-wide panels per block (sixteen accumulators: each broadcast of A feeds
    /// two FMAs); then single rows.
    @inline(never)
    private static func panelPair(
        m: Int, a: UnsafePointer<Float>, lda: Int, taps: TapList, b: UnsafePointer<Float>, k: Int,
        bias: UnsafePointer<Float>, relu: Bool, c: UnsafeMutablePointer<Float>, ldc: Int, valid: Int
    ) {
        typealias V = SIMD16<Float>
        let second = b + k * 16
        let biasLow = V.load(bias), biasHigh = V.load(bias + 16)
        let validHigh = valid - 16
        var row = 0
        while row + 8 <= m {
            var l0 = biasLow, l1 = biasLow, l2 = biasLow, l3 = biasLow, l4 = biasLow, l5 = biasLow, l6 = biasLow, l7 = biasLow
            var h0 = biasHigh, h1 = biasHigh, h2 = biasHigh, h3 = biasHigh, h4 = biasHigh, h5 = biasHigh, h6 = biasHigh, h7 = biasHigh
            for t in 0..<taps.count {
                let a0 = a + row * lda + taps.aOffsets[t]
                let wl = b + taps.bRows[t] * 16, wh = second + taps.bRows[t] * 16
                for p in 0..<taps.depth {
                    let low = V.load(wl + p * 16), high = V.load(wh + p * 16)
                    var x = V(repeating: a0[p])
                    l0 = l0.addingProduct(x, low)
                    h0 = h0.addingProduct(x, high)
                    x = V(repeating: a0[lda + p])
                    l1 = l1.addingProduct(x, low)
                    h1 = h1.addingProduct(x, high)
                    x = V(repeating: a0[2 * lda + p])
                    l2 = l2.addingProduct(x, low)
                    h2 = h2.addingProduct(x, high)
                    x = V(repeating: a0[3 * lda + p])
                    l3 = l3.addingProduct(x, low)
                    h3 = h3.addingProduct(x, high)
                    x = V(repeating: a0[4 * lda + p])
                    l4 = l4.addingProduct(x, low)
                    h4 = h4.addingProduct(x, high)
                    x = V(repeating: a0[5 * lda + p])
                    l5 = l5.addingProduct(x, low)
                    h5 = h5.addingProduct(x, high)
                    x = V(repeating: a0[6 * lda + p])
                    l6 = l6.addingProduct(x, low)
                    h6 = h6.addingProduct(x, high)
                    x = V(repeating: a0[7 * lda + p])
                    l7 = l7.addingProduct(x, low)
                    h7 = h7.addingProduct(x, high)
                }
            }
            let out = c + row * ldc
            store(l0, to: out, relu: relu, valid: 16)
            store(h0, to: out + 16, relu: relu, valid: validHigh)
            store(l1, to: out + ldc, relu: relu, valid: 16)
            store(h1, to: out + ldc + 16, relu: relu, valid: validHigh)
            store(l2, to: out + 2 * ldc, relu: relu, valid: 16)
            store(h2, to: out + 2 * ldc + 16, relu: relu, valid: validHigh)
            store(l3, to: out + 3 * ldc, relu: relu, valid: 16)
            store(h3, to: out + 3 * ldc + 16, relu: relu, valid: validHigh)
            store(l4, to: out + 4 * ldc, relu: relu, valid: 16)
            store(h4, to: out + 4 * ldc + 16, relu: relu, valid: validHigh)
            store(l5, to: out + 5 * ldc, relu: relu, valid: 16)
            store(h5, to: out + 5 * ldc + 16, relu: relu, valid: validHigh)
            store(l6, to: out + 6 * ldc, relu: relu, valid: 16)
            store(h6, to: out + 6 * ldc + 16, relu: relu, valid: validHigh)
            store(l7, to: out + 7 * ldc, relu: relu, valid: 16)
            store(h7, to: out + 7 * ldc + 16, relu: relu, valid: validHigh)
            row += 8
        }
        while row < m {
            // Split K over two accumulator pairs so that a lone row is not one dependent chain.
            var low = biasLow, high = biasHigh, low1 = V(), high1 = V()
            for t in 0..<taps.count {
                let a0 = a + row * lda + taps.aOffsets[t]
                let wl = b + taps.bRows[t] * 16, wh = second + taps.bRows[t] * 16
                var p = 0
                while p + 2 <= taps.depth {
                    let x = V(repeating: a0[p]), y = V(repeating: a0[p + 1])
                    low = low.addingProduct(x, V.load(wl + p * 16))
                    high = high.addingProduct(x, V.load(wh + p * 16))
                    low1 = low1.addingProduct(y, V.load(wl + (p + 1) * 16))
                    high1 = high1.addingProduct(y, V.load(wh + (p + 1) * 16))
                    p += 2
                }
                if p < taps.depth {
                    let x = V(repeating: a0[p])
                    low = low.addingProduct(x, V.load(wl + p * 16))
                    high = high.addingProduct(x, V.load(wh + p * 16))
                }
            }
            store(low + low1, to: c + row * ldc, relu: relu, valid: 16)
            store(high + high1, to: c + row * ldc + 16, relu: relu, valid: validHigh)
            row += 1
        }
    }

    /// Narrow B (N <= 8) packed in row pairs: eight rows of A at a time, each FMA covering two
    /// rows of K for all eight columns (A's two values broadcast as one 64-bit pair), the halves
    /// summed at the end. Twice the work per instruction of an 8-lane kernel.
    @inline(never)
    private static func pairedRows(
        m: Int, a: UnsafePointer<Float>, lda: Int, taps: TapList, b: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, relu: Bool, c: UnsafeMutablePointer<Float>, ldc: Int, valid: Int
    ) {
        typealias V = SIMD16<Float>
        let biasVector = SIMD8<Float>.load(bias)
        @inline(__always) func pair(_ p: UnsafePointer<Float>) -> V {
            unsafeBitCast(SIMD8<UInt64>(repeating: UnsafeRawPointer(p).assumingMemoryBound(to: UInt64.self).pointee), to: V.self)
        }
        @inline(__always) func finish(_ sum: V, _ out: UnsafeMutablePointer<Float>) {
            store(sum.evenHalf + sum.oddHalf + biasVector, to: out, relu: relu, valid: valid)
        }
        var row = 0
        while row + 8 <= m {
            var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
            for t in 0..<taps.count {
                let a0 = a + row * lda + taps.aOffsets[t]
                let w0 = b + taps.bRows[t] * 8
                var p = 0
                while p < taps.depth {
                    let w = V.load(w0 + p * 8)
                    c0 = c0.addingProduct(pair(a0 + p), w)
                    c1 = c1.addingProduct(pair(a0 + lda + p), w)
                    c2 = c2.addingProduct(pair(a0 + 2 * lda + p), w)
                    c3 = c3.addingProduct(pair(a0 + 3 * lda + p), w)
                    c4 = c4.addingProduct(pair(a0 + 4 * lda + p), w)
                    c5 = c5.addingProduct(pair(a0 + 5 * lda + p), w)
                    c6 = c6.addingProduct(pair(a0 + 6 * lda + p), w)
                    c7 = c7.addingProduct(pair(a0 + 7 * lda + p), w)
                    p += 2
                }
            }
            let out = c + row * ldc
            finish(c0, out)
            finish(c1, out + ldc)
            finish(c2, out + 2 * ldc)
            finish(c3, out + 3 * ldc)
            finish(c4, out + 4 * ldc)
            finish(c5, out + 5 * ldc)
            finish(c6, out + 6 * ldc)
            finish(c7, out + 7 * ldc)
            row += 8
        }
        while row < m {
            var c0 = V(), c1 = V()
            for t in 0..<taps.count {
                let a0 = a + row * lda + taps.aOffsets[t]
                let w0 = b + taps.bRows[t] * 8
                var p = 0
                while p + 4 <= taps.depth {
                    c0 = c0.addingProduct(pair(a0 + p), V.load(w0 + p * 8))
                    c1 = c1.addingProduct(pair(a0 + p + 2), V.load(w0 + (p + 2) * 8))
                    p += 4
                }
                if p < taps.depth { c0 = c0.addingProduct(pair(a0 + p), V.load(w0 + p * 8)) }
            }
            finish(c0 + c1, c + row * ldc)
            row += 1
        }
    }

    @inline(__always)
    private static func store<V: FloatVector>(_ value: V, to out: UnsafeMutablePointer<Float>, relu: Bool, valid: Int) {
        let value = relu ? value.relu() : value
        if valid == V.scalarCount {
            value.store(out)
        } else {
            for i in 0..<valid { out[i] = value[i] }
        }
    }
}
