import NeuralNetwork

/// Y[m, n] = X[m, k] W[k, n] + b and its backward pass, through OpenBLAS: the product a Dense
/// layer runs over all its pixels and a Conv2D runs per image on the im2col patches.
enum AffineProduct {
    static func forward(
        x: UnsafePointer<Float>, rows m: Int, depth k: Int, weights: UnsafePointer<Float>, columns n: Int,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>
    ) {
        Gemm.multiply(m: m, n: n, k: k, a: x, lda: k, b: weights, ldb: n, c: output, ldc: n)
        if let bias {
            for row in 0..<m {
                let y = output + row * n
                for j in 0..<n { y[j] += bias[j] }
            }
        }
    }

    /// Adds Xᵀ dY to `weightGradient` and the column sums of dY to `biasGradient`, and writes
    /// dY Wᵀ to `inputGradient` unless it is nil (the network input needs no gradient).
    static func backward(
        x: UnsafePointer<Float>, rows m: Int, depth k: Int, weights: UnsafePointer<Float>, columns n: Int,
        outputGradient dy: UnsafePointer<Float>, weightGradient: UnsafeMutablePointer<Float>,
        biasGradient: UnsafeMutablePointer<Float>?, inputGradient: UnsafeMutablePointer<Float>?
    ) {
        Gemm.multiply(
            m: k, n: n, k: m, a: x, lda: k, transposeA: true, b: dy, ldb: n, transposeB: false,
            c: weightGradient, ldc: n, accumulate: true)
        if let inputGradient {
            Gemm.multiply(
                m: m, n: k, k: n, a: dy, lda: n, transposeA: false, b: weights, ldb: n, transposeB: true,
                c: inputGradient, ldc: k, accumulate: false)
        }
        if let biasGradient {
            for row in 0..<m {
                let g = dy + row * n
                for j in 0..<n { biasGradient[j] += g[j] }
            }
        }
    }
}
