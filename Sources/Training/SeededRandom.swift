import Foundation

/// A small deterministic generator (xoshiro256**, seeded through SplitMix64): the same seed gives
/// the same weights, dropout masks and (later) augmentations on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1), 24 random bits.
    public mutating func uniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1), 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal sample (Box-Muller; one of the pair is used, so the sequence is simple).
    public mutating func normal() -> Double {
        let u = 1 - uniformDouble()  // (0, 1]: log stays finite
        let v = uniformDouble()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }

    /// The generator of one named stream: `seed` and each part folded in through SplitMix64, so
    /// that e.g. (seed, epoch, step) gives the same draws whenever that step runs again, as after
    /// resuming from a checkpoint.
    public static func stream(_ seed: UInt64, _ parts: UInt64...) -> SeededRandom {
        var state = seed
        for part in parts {
            var z = (state ^ part) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            state = z ^ (z >> 31)
        }
        return SeededRandom(seed: state)
    }

    /// A generator of its own for a layer (e.g. Dropout's masks), drawn from this one.
    public mutating func split() -> SeededRandom {
        SeededRandom(seed: next())
    }

    /// He initialisation as Keras's `he_normal`: a normal with standard deviation
    /// sqrt(2 / fanIn), truncated at two standard deviations (redrawn beyond) and rescaled so
    /// the truncated distribution keeps that deviation.
    public mutating func heNormal(count: Int, fanIn: Int) -> [Float] {
        // The standard deviation of a unit normal truncated to [-2, 2].
        let truncatedDeviation = 0.879_625_661_034_239_78
        let deviation = (2 / Double(max(fanIn, 1))).squareRoot() / truncatedDeviation
        return (0..<count).map { _ in
            var z = normal()
            while abs(z) > 2 { z = normal() }
            return Float(z * deviation)
        }
    }
}
