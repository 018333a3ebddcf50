import Results

/// Counts of (true label, predicted label) pairs over the seven FER2013 classes, and the metrics
/// derived from them.
public struct ConfusionMatrix: Sendable, Equatable {
    /// counts[truth][prediction], both in `Emotion` order.
    public private(set) var counts: [[Int]]

    public init() {
        counts = Array(repeating: Array(repeating: 0, count: Emotion.allCases.count), count: Emotion.allCases.count)
    }

    public init(counts: [[Int]]) {
        precondition(counts.count == Emotion.allCases.count && counts.allSatisfy { $0.count == Emotion.allCases.count })
        self.counts = counts
    }

    public mutating func record(truth: Emotion, prediction: Emotion) {
        counts[truth.index][prediction.index] += 1
    }

    public var total: Int { counts.joined().reduce(0, +) }

    public var correct: Int { Emotion.allCases.indices.reduce(0) { $0 + counts[$1][$1] } }

    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Images whose true label is `emotion`.
    public func support(_ emotion: Emotion) -> Int { counts[emotion.index].reduce(0, +) }

    /// Of the images predicted `emotion`, the share that truly are (0 when none were predicted).
    public func precision(_ emotion: Emotion) -> Double {
        let predicted = counts.reduce(0) { $0 + $1[emotion.index] }
        return predicted == 0 ? 0 : Double(counts[emotion.index][emotion.index]) / Double(predicted)
    }

    /// Of the images truly `emotion`, the share predicted so (0 when there are none).
    public func recall(_ emotion: Emotion) -> Double {
        let actual = support(emotion)
        return actual == 0 ? 0 : Double(counts[emotion.index][emotion.index]) / Double(actual)
    }

    public func f1(_ emotion: Emotion) -> Double {
        let p = precision(emotion), r = recall(emotion)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    /// Unweighted mean of the per-class F1 over the classes that occur as a label or a prediction
    /// (scikit-learn's macro average over the labels present).
    public var macroF1: Double {
        let present = Emotion.allCases.filter { emotion in
            support(emotion) > 0 || counts.contains { $0[emotion.index] > 0 }
        }
        return present.isEmpty ? 0 : present.map(f1).reduce(0, +) / Double(present.count)
    }
}
