import Timing

/// The single-core fp32 peak of this machine as the kernels are compiled: a loop of independent
/// 16-lane FMAs on registers only (no memory traffic), timed. Benchmarks state their GFLOP/s as
/// a fraction of it.
public enum PeakThroughput {
    /// GFLOP/s of one core (2 per multiply-accumulate), the best of `trials` runs.
    public static func measure(trials: Int = 5) -> Double {
        let iterations = 2_000_000
        let clock = ContinuousClock()
        var best = 0.0
        for _ in 0..<trials {
            let start = clock.now
            let checksum = fmaLoop(iterations: iterations, seed: Float(trials))
            let elapsed = clock.now - start
            let seconds = elapsed.inSeconds
            // Twelve chains of 16 lanes, two FLOPs per lane; the checksum keeps the loop alive.
            let flops = Double(iterations) * 12 * 16 * 2 + (checksum.isNaN ? 1 : 0)
            best = max(best, flops / seconds / 1e9)
        }
        return best
    }

    /// Twelve independent accumulator chains: enough to cover FMA latency times the FMA ports.
    @inline(never)
    static func fmaLoop(iterations: Int, seed: Float) -> Float {
        typealias V = SIMD16<Float>
        let x = V(repeating: 0.999_999), y = V(repeating: 1e-7 * seed)
        var a0 = V(repeating: 1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0
        var a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0
        for _ in 0..<iterations {
            a0 = a0.addingProduct(a0, x)
            a1 = a1.addingProduct(a1, x)
            a2 = a2.addingProduct(a2, x)
            a3 = a3.addingProduct(a3, x)
            a4 = a4.addingProduct(a4, x)
            a5 = a5.addingProduct(a5, x)
            a6 = a6.addingProduct(a6, y)
            a7 = a7.addingProduct(a7, y)
            a8 = a8.addingProduct(a8, y)
            a9 = a9.addingProduct(a9, y)
            a10 = a10.addingProduct(a10, y)
            a11 = a11.addingProduct(a11, y)
        }
        let sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
        return sum.sum()
    }
}
