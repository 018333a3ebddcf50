import Foundation

/// Softmax cross-entropy with label smoothing over the logits of a batch, averaged over the
/// batch (Keras's CategoricalCrossentropy(from_logits: true, label_smoothing:)).
///
///   logits   [N, K]
///   labels   [N]  class indices
///   target   q = (1 - smoothing) * onehot(label) + smoothing / K
///   loss     mean over the batch of -Σ_k q_k log softmax(logits)_k
///   gradient dL/dlogits = (softmax(logits) - q) / N
public struct SoftmaxCrossEntropy: Sendable {
    public var labelSmoothing: Float

    public init(labelSmoothing: Float = 0) {
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "label smoothing must be in [0, 1]")
        self.labelSmoothing = labelSmoothing
    }

    /// The mean loss and its gradient with respect to the logits.
    public func evaluate(logits: [Float], labels: [Int], classes: Int) -> (loss: Float, gradient: [Float]) {
        let batch = labels.count
        precondition(logits.count == batch * classes, "\(logits.count) logits for \(batch) labels of \(classes) classes")
        var gradient = [Float](repeating: 0, count: logits.count)
        var loss = 0.0
        let offTarget = labelSmoothing / Float(classes), onTarget = 1 - labelSmoothing + offTarget
        let scale = 1 / Float(batch)
        for n in 0..<batch {
            precondition(labels[n] >= 0 && labels[n] < classes, "label \(labels[n]) is not one of \(classes) classes")
            let row = logits[(n * classes)..<((n + 1) * classes)]
            let largest = row.max()!
            // log softmax = z - largest - log Σ exp(z - largest)
            let logSum = Foundation.log(row.reduce(Float(0)) { $0 + Foundation.exp($1 - largest) })
            for k in 0..<classes {
                let logProbability = row[n * classes + k] - largest - logSum
                let target = k == labels[n] ? onTarget : offTarget
                loss -= Double(target) * Double(logProbability)
                gradient[n * classes + k] = (Foundation.exp(logProbability) - target) * scale
            }
        }
        return (Float(loss / Double(batch)), gradient)
    }

    /// Reference (test oracle): the mean loss in Double.
    public func referenceLoss(logits: [Double], labels: [Int], classes: Int) -> Double {
        let smoothing = Double(labelSmoothing)
        var loss = 0.0
        for (n, label) in labels.enumerated() {
            let row = Array(logits[(n * classes)..<((n + 1) * classes)])
            let largest = row.max()!
            let logSum = Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - largest) })
            for k in 0..<classes {
                let target = (k == label ? 1 - smoothing : 0) + smoothing / Double(classes)
                loss -= target * (row[k] - largest - logSum)
            }
        }
        return loss / Double(labels.count)
    }
}
