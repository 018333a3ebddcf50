import NeuralNetwork

/// Batch normalisation over N, H and W per channel, as Keras's BatchNormalization.
///
///   input, output  [N, H, W, C]
///   gamma, beta    [C]   (trainable; either can be switched off: scale / center)
///   moving_mean, moving_variance  [C]   (state, not trained)
///
/// Training mode normalises with the batch's mean and (biased) variance, y = gamma * x̂ + beta with
/// x̂ = (x - mean) / sqrt(variance + epsilon), and moves the running statistics as Keras does:
/// moving = moving * momentum + batch * (1 - momentum) (Keras updates the moving variance with the
/// biased batch variance too). Inference mode uses the moving statistics, as the runtime does
/// after folding.
///
/// Backward in training mode, with M = N*H*W values per channel and the batch statistics
/// depending on x: dx = gamma / sqrt(variance + epsilon) * (dy - mean(dy) - x̂ * mean(dy * x̂)),
/// dgamma += Σ dy * x̂, dbeta += Σ dy. In inference mode the statistics are constants and
/// dx = gamma / sqrt(moving_variance + epsilon) * dy.
public final class BatchNormalization: TrainableLayer {
    public let name: String
    public let inputShapes: [FeatureShape]
    public let epsilon: Float
    public let momentum: Float
    public let gamma: Parameter?
    public let beta: Parameter?
    public var movingMean: [Float]
    public var movingVariance: [Float]
    /// x̂ of the last forward, and 1 / sqrt(variance + epsilon) per channel of the statistics it used.
    private var normalized: [Float] = []
    private var inverseDeviation: [Float] = []
    private var trainedLast = false

    public init(name: String, shape: FeatureShape, epsilon: Float = 1e-3, momentum: Float = 0.99, scale: Bool = true, center: Bool = true) {
        let channels = shape.channels
        self.name = name
        self.inputShapes = [shape]
        self.epsilon = epsilon
        self.momentum = momentum
        self.gamma = scale ? Parameter(name: name + "/gamma", shape: [channels], value: [Float](repeating: 1, count: channels)) : nil
        self.beta = center ? Parameter(name: name + "/beta", shape: [channels], value: [Float](repeating: 0, count: channels)) : nil
        self.movingMean = [Float](repeating: 0, count: channels)
        self.movingVariance = [Float](repeating: 1, count: channels)
    }

    public var outputShape: FeatureShape { inputShape }
    public var parameters: [Parameter] { (gamma.map { [$0] } ?? []) + (beta.map { [$0] } ?? []) }

    public func forward(inputs: [[Float]], batch: Int, training: Bool) -> [Float] {
        let x = inputs[0], channels = inputShape.channels
        precondition(x.count == batch * inputShape.count, "\(name): input size")
        trainedLast = training
        var mean = movingMean, variance = movingVariance
        if training {
            // Two passes: the mean, then the mean squared deviation.
            let count = Double(x.count / channels)
            mean = Self.channelSums(x.count, channels) { i, _ in x[i] }.map { Float($0 / count) }
            variance = Self.channelSums(x.count, channels) { i, c in
                let d = x[i] - mean[c]
                return d * d
            }.map { Float($0 / count) }
            for c in 0..<channels {
                movingMean[c] = movingMean[c] * momentum + mean[c] * (1 - momentum)
                movingVariance[c] = movingVariance[c] * momentum + variance[c] * (1 - momentum)
            }
        }
        // A local copy: the loop below would otherwise check exclusive access to the property per value.
        let inverseDeviation = variance.map { 1 / ($0 + epsilon).squareRoot() }
        self.inverseDeviation = inverseDeviation
        let scale = (0..<channels).map { (gamma?.value[$0] ?? 1) }, shift = (0..<channels).map { (beta?.value[$0] ?? 0) }
        var normalized = [Float](repeating: 0, count: x.count), output = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { x in
            normalized.withUnsafeMutableBufferPointer { n in
                output.withUnsafeMutableBufferPointer { y in
                    // Pixel after pixel, channels innermost: the channel loop runs on contiguous values.
                    var row = 0
                    while row < x.count {
                        for c in 0..<channels {
                            let value = (x[row + c] - mean[c]) * inverseDeviation[c]
                            n[row + c] = value
                            y[row + c] = value * scale[c] + shift[c]
                        }
                        row += channels
                    }
                }
            }
        }
        self.normalized = normalized
        return output
    }

    /// Per-channel sums of `value(i, channel)` over `count` NHWC values, in Double: a channel of a training
    /// batch holds hundreds of thousands of values. Each block of 64 pixels is summed in Float
    /// (channels innermost, so the loop runs on contiguous values) and added in Double.
    @inline(__always)
    private static func channelSums(_ count: Int, _ channels: Int, _ value: (Int, Int) -> Float) -> [Double] {
        var sums = [Double](repeating: 0, count: channels)
        // Through a raw buffer: `partial[c] +=` on an array checks its uniqueness on every value.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: channels) { partial in
            let rowsPerBlock = 64
            var row = 0
            while row < count {
                let end = min(row + rowsPerBlock * channels, count)
                for c in 0..<channels { partial[c] = 0 }
                var index = row
                while index < end {
                    for c in 0..<channels { partial[c] += value(index + c, c) }
                    index += channels
                }
                for c in 0..<channels { sums[c] += Double(partial[c]) }
                row = end
            }
        }
        return sums
    }

    public func backward(outputGradient dy: [Float]) -> [[Float]] {
        precondition(dy.count == normalized.count, "\(name): output gradient size")
        let channels = inputShape.channels, count = Double(dy.count / channels)
        let normalized = self.normalized
        let sumGradient = Self.channelSums(dy.count, channels) { i, _ in dy[i] }
        let sumProduct = Self.channelSums(dy.count, channels) { i, _ in dy[i] * normalized[i] }
        if let gamma { for c in 0..<channels { gamma.gradient[c] += Float(sumProduct[c]) } }
        if let beta { for c in 0..<channels { beta.gradient[c] += Float(sumGradient[c]) } }
        let factor = (0..<channels).map { c in (gamma?.value[c] ?? 1) * inverseDeviation[c] }
        // In inference mode the statistics are constants: dx = factor * dy.
        let meanGradient = trainedLast ? sumGradient.map { Float($0 / count) } : [Float](repeating: 0, count: channels)
        let meanProduct = trainedLast ? sumProduct.map { Float($0 / count) } : [Float](repeating: 0, count: channels)
        var inputGradient = [Float](repeating: 0, count: dy.count)
        dy.withUnsafeBufferPointer { dy in
            normalized.withUnsafeBufferPointer { n in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    var row = 0
                    while row < dy.count {
                        for c in 0..<channels {
                            dx[row + c] = factor[c] * (dy[row + c] - meanGradient[c] - n[row + c] * meanProduct[c])
                        }
                        row += channels
                    }
                }
            }
        }
        return [inputGradient]
    }

    /// Reference kernel (test oracle), in Double: batch statistics in training mode, the moving
    /// ones otherwise.
    public func referenceForward(inputs: [[Double]], parameters: [[Double]], batch: Int, training: Bool) -> [Double] {
        let x = inputs[0], channels = inputShape.channels
        let g = gamma == nil ? [Double](repeating: 1, count: channels) : parameters[0]
        let b = beta == nil ? [Double](repeating: 0, count: channels) : parameters[gamma == nil ? 0 : 1]
        var mean = movingMean.map(Double.init), variance = movingVariance.map(Double.init)
        if training {
            let count = Double(x.count / channels)
            mean = [Double](repeating: 0, count: channels)
            variance = [Double](repeating: 0, count: channels)
            for (i, value) in x.enumerated() { mean[i % channels] += value / count }
            for (i, value) in x.enumerated() {
                let d = value - mean[i % channels]
                variance[i % channels] += d * d / count
            }
        }
        return x.indices.map { i in
            let c = i % channels
            return (x[i] - mean[c]) / (variance[c] + Double(epsilon)).squareRoot() * g[c] + b[c]
        }
    }
}
