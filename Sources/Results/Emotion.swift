/// The seven FER2013 classes, in the dataset's canonical order (index 0...6), which is also the
/// order of every model's output and of every probability vector Moodwire stores.
public enum Emotion: String, CaseIterable, Sendable, Codable, Comparable {
    case angry, disgust, fear, happy, sad, surprise, neutral

    public var index: Int { Emotion.allCases.firstIndex(of: self)! }

    public init?(index: Int) {
        guard Emotion.allCases.indices.contains(index) else { return nil }
        self = Emotion.allCases[index]
    }

    public static func < (lhs: Emotion, rhs: Emotion) -> Bool { lhs.index < rhs.index }
}
