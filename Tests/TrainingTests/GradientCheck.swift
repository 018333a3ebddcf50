import NeuralNetwork
import Training

/// Finite-difference checks of the analytic gradients against the layers' Double reference
/// kernels: for L = Σ r · f(x) with a random upstream gradient r, dL/dv by central differences
/// in Double, compared with what `backward(r)` returns (input gradients) or accumulates
/// (parameter gradients).
enum GradientCheck {
    /// Central-difference step: small against the inputs' scale, large against Double's rounding.
    static let step = 1e-5

    /// Uniform floats in [-scale, scale).
    static func randomFloats(_ count: Int, random: inout SeededRandom, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in (random.uniform() * 2 - 1) * scale }
    }

    /// max |analytic - numeric| relative to the largest numeric component (at least 1e-3, so an
    /// all-zero gradient compares absolutely).
    static func relativeError(_ analytic: [Float], _ numeric: [Double]) -> Double {
        precondition(analytic.count == numeric.count, "compared gradients differ in length")
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        return zip(analytic, numeric).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }

    /// dL/dv at `point` for L(v) = Σ upstream · f(v), by central differences, for the coordinates
    /// `indices` (all when nil; the others are left 0).
    static func numericGradient(
        at point: [Double], upstream: [Double], indices: [Int]? = nil, _ f: ([Double]) -> [Double]
    ) -> [Double] {
        var gradient = [Double](repeating: 0, count: point.count)
        var probe = point
        for i in indices ?? Array(point.indices) {
            probe[i] = point[i] + step
            let plus = zip(f(probe), upstream).reduce(0) { $0 + $1.0 * $1.1 }
            probe[i] = point[i] - step
            let minus = zip(f(probe), upstream).reduce(0) { $0 + $1.0 * $1.1 }
            probe[i] = point[i]
            gradient[i] = (plus - minus) / (2 * step)
        }
        return gradient
    }

    /// Up to `limit` coordinates of `count`, spread evenly (all when there are few).
    static func sample(_ count: Int, limit: Int?) -> [Int]? {
        guard let limit, count > limit else { return nil }
        return (0..<limit).map { $0 * count / limit }
    }

    /// Runs one forward (mode `training`) and one backward of `layer` with a random upstream
    /// gradient and returns the relative errors: "forward" (fast Float forward against the
    /// reference), "input i" and each parameter's name. `limit` caps the coordinates
    /// differentiated per tensor.
    static func check(
        _ layer: some TrainableLayer, inputs: [[Float]], batch: Int, training: Bool = true, seed: UInt64 = 7, limit: Int? = nil
    ) -> [String: Double] {
        var random = SeededRandom(seed: seed)
        let output = layer.forward(inputs: inputs, batch: batch, training: training)
        let inputs64 = inputs.map { $0.map(Double.init) }
        let parameters64 = layer.parameters.map { $0.value.map(Double.init) }
        let reference = layer.referenceForward(inputs: inputs64, parameters: parameters64, batch: batch, training: training)
        var errors = ["forward": relativeError(output, reference)]

        let upstream = randomFloats(output.count, random: &random)
        let upstream64 = upstream.map(Double.init)
        layer.zeroGradients()
        let inputGradients = layer.backward(outputGradient: upstream)
        for (i, input) in inputs64.enumerated() {
            let indices = sample(input.count, limit: limit)
            let numeric = numericGradient(at: input, upstream: upstream64, indices: indices) { probe in
                var probed = inputs64
                probed[i] = probe
                return layer.referenceForward(inputs: probed, parameters: parameters64, batch: batch, training: training)
            }
            errors["input \(i)"] = relativeError(pick(inputGradients[i], indices), pick(numeric, indices))
        }
        for (j, parameter) in layer.parameters.enumerated() {
            let indices = sample(parameter.value.count, limit: limit)
            let numeric = numericGradient(at: parameters64[j], upstream: upstream64, indices: indices) { probe in
                var probed = parameters64
                probed[j] = probe
                return layer.referenceForward(inputs: inputs64, parameters: probed, batch: batch, training: training)
            }
            errors[parameter.name] = relativeError(pick(parameter.gradient, indices), pick(numeric, indices))
        }
        return errors
    }

    static func pick<T>(_ values: [T], _ indices: [Int]?) -> [T] {
        indices.map { $0.map { values[$0] } } ?? values
    }

    /// The errors above `tolerance`, for a readable failure message (empty when all pass).
    static func failures(_ errors: [String: Double], tolerance: Double = 1e-3) -> [String: Double] {
        errors.filter { $0.value >= tolerance }
    }
}
