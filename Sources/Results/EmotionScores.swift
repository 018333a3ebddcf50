/// One face's result: the probability of each FER2013 class.
public struct EmotionScores: Sendable, Equatable, Codable {
    /// Seven probabilities in `Emotion` order, summing to 1.
    public let probabilities: [Float]

    public init(probabilities: [Float]) {
        precondition(probabilities.count == Emotion.allCases.count, "one probability per emotion")
        self.probabilities = probabilities
    }

    /// The most probable emotion (the first one on a tie, as numpy's argmax).
    public var top: Emotion {
        var best = 0
        for i in probabilities.indices where probabilities[i] > probabilities[best] { best = i }
        return Emotion(index: best)!
    }

    public var confidence: Float { probabilities[top.index] }

    public subscript(emotion: Emotion) -> Float { probabilities[emotion.index] }
}
