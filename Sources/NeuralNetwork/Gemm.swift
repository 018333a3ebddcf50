/// Row-major single-precision matrix products: C[m, n] = A[m, k] * B[k, n], through OpenBLAS.
public enum Gemm {
    /// Fast path: OpenBLAS `cblas_sgemm`. `lda`, `ldb`, `ldc` are row strides in floats.
    @inline(__always)
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        multiply(m: m, n: n, k: k, a: a, lda: lda, transposeA: false, b: b, ldb: ldb, transposeB: false, c: c, ldc: ldc, accumulate: false)
    }

    /// The general product through OpenBLAS: C = op(A) op(B), or C += op(A) op(B) when
    /// `accumulate`, where op transposes when asked. A transposed A is stored [k, m], a transposed
    /// B [n, k]; `lda` and `ldb` are the row strides of the stored matrices. Training's backward
    /// passes use it for the weight gradients (Aᵀ B) and the input gradients (A Bᵀ).
    @inline(__always)
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
    ) {
        OpenBLAS.shared.sgemm(
            OpenBLAS.rowMajor, transposeA ? OpenBLAS.transpose : OpenBLAS.noTranspose,
            transposeB ? OpenBLAS.transpose : OpenBLAS.noTranspose,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
    }

    /// Reference kernel (test oracle): the textbook triple loop, accumulating in Double.
    static func naiveMultiply(m: Int, n: Int, k: Int, a: [Float], b: [Float]) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    /// Makes OpenBLAS compute on the calling thread only: Moodwire splits work across its own
    /// threads, and OpenBLAS's thread hand-offs cost more than the small products here gain.
    public static func useCallingThreadOnly() {
        OpenBLAS.shared.setThreadCount(1)
    }

    /// The OpenBLAS kernel family in use and why (e.g. "SkylakeX, chosen from the CPU's
    /// features"), for benchmark reports.
    public static var kernelName: String {
        let blas = OpenBLAS.shared
        return (blas.coreName().map { String(cString: $0) } ?? "unknown") + ", " + blas.coreTypeSource
    }
}
