import Foundation

/// Stochastic gradient descent with (Nesterov) momentum and weight decay, as Keras's and
/// PyTorch's SGD compute it:
///
///   g = gradient (+ λ w with L2 decay)
///   v = μ v + g
///   w -= lr (g + μ v)      with Nesterov momentum
///   w -= lr v              without
///   w -= lr λ w            with decoupled decay, applied before the step (Loshchilov & Hutter)
///
/// Weight decay applies to the kernels only (convolution, depthwise, pointwise and Dense
/// kernels): decaying biases and batch normalisation's γ and β only hurts.
public struct SGD: Sendable {
    public enum WeightDecay: String, Sendable, CaseIterable {
        /// λ w added to the gradient, so it passes through the momentum.
        case l2
        /// w shrunk by lr λ directly, apart from the momentum.
        case decoupled
    }

    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public var decayStyle: WeightDecay
    /// One velocity per parameter, in the order of the parameters given to `update` (empty
    /// before the first step; a checkpoint restores them).
    public var velocities: [[Float]] = []

    public init(momentum: Float = 0.9, nesterov: Bool = true, weightDecay: Float = 5e-4, decayStyle: WeightDecay = .l2) {
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.decayStyle = decayStyle
    }

    /// Whether a parameter is a kernel, which weight decay applies to.
    public static func decays(_ parameter: Parameter) -> Bool {
        parameter.name.hasSuffix("kernel")
    }

    /// One step on every parameter from its accumulated gradient.
    public mutating func update(_ parameters: [Parameter], learningRate lr: Float) {
        if velocities.isEmpty { velocities = parameters.map { [Float](repeating: 0, count: $0.value.count) } }
        precondition(velocities.count == parameters.count, "the optimizer updates one fixed list of parameters")
        for (index, parameter) in parameters.enumerated() {
            let decay = Self.decays(parameter) ? weightDecay : 0
            let l2 = decayStyle == .l2 ? decay : 0
            let shrink = decayStyle == .decoupled ? 1 - lr * decay : 1
            let mu = momentum, nesterov = nesterov
            parameter.value.withUnsafeMutableBufferPointer { w in
                parameter.gradient.withUnsafeBufferPointer { g in
                    velocities[index].withUnsafeMutableBufferPointer { v in
                        for i in 0..<w.count {
                            let gradient = g[i] + l2 * w[i]
                            let velocity = mu * v[i] + gradient
                            v[i] = velocity
                            w[i] = w[i] * shrink - lr * (nesterov ? gradient + mu * velocity : velocity)
                        }
                    }
                }
            }
        }
    }
}

/// The learning rate at each step: a linear warm-up from lr / warm-up steps to lr, then a cosine
/// decay to zero at the last step.
public struct LearningRateSchedule: Sendable, Equatable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: Float, warmupSteps: Int, totalSteps: Int) {
        precondition(totalSteps > 0 && warmupSteps >= 0, "the schedule needs steps")
        self.peak = peak
        self.warmupSteps = min(warmupSteps, totalSteps)
        self.totalSteps = totalSteps
    }

    /// The rate for step `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let decaySteps = totalSteps - warmupSteps
        guard decaySteps > 0 else { return peak }
        let progress = Double(min(step - warmupSteps, decaySteps)) / Double(decaySteps)
        return Float(Double(peak) * 0.5 * (1 + cos(Double.pi * progress)))
    }
}
