import Foundation
import Results
import TestSupport
import Testing

/// FER2013 PublicTest: one folder per label.
let ferPublicTest = sharedData.appendingPathComponent("fer2013/publictest")

/// The sorted `.jpg` files of one FER2013 PublicTest label folder, as absolute paths.
func ferImages(_ label: Emotion) throws -> [String] {
    let folder = ferPublicTest.appendingPathComponent(label.rawValue)
    return try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.lowercased().hasSuffix(".jpg") }
        .sorted()
        .map { folder.appendingPathComponent($0).path }
}

/// Creates `relative` (and its folders) under `root` with `contents`.
@discardableResult
func writeFile(_ relative: String, in root: URL, contents: Data = Data("x".utf8)) throws -> URL {
    let url = root.appendingPathComponent(relative)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try contents.write(to: url)
    return url
}

/// Per-class counts from (truth, prediction) pairs, computed by scanning the pairs: the
/// independent reference for `ConfusionMatrix`'s metrics.
struct PairCounts {
    let pairs: [(truth: Emotion, prediction: Emotion)]

    func truePositives(_ e: Emotion) -> Int { pairs.filter { $0.truth == e && $0.prediction == e }.count }
    func falsePositives(_ e: Emotion) -> Int { pairs.filter { $0.truth != e && $0.prediction == e }.count }
    func falseNegatives(_ e: Emotion) -> Int { pairs.filter { $0.truth == e && $0.prediction != e }.count }
    func support(_ e: Emotion) -> Int { pairs.filter { $0.truth == e }.count }

    /// tp / (tp + fp), 0 when nothing was predicted `e` (scikit-learn's zero_division=0).
    func precision(_ e: Emotion) -> Double {
        let tp = truePositives(e), fp = falsePositives(e)
        return tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp)
    }

    func recall(_ e: Emotion) -> Double {
        let tp = truePositives(e), fn = falseNegatives(e)
        return tp + fn == 0 ? 0 : Double(tp) / Double(tp + fn)
    }

    /// 2tp / (2tp + fp + fn), the same value as the harmonic mean of precision and recall.
    func f1(_ e: Emotion) -> Double {
        let tp = truePositives(e), fp = falsePositives(e), fn = falseNegatives(e)
        return 2 * tp + fp + fn == 0 ? 0 : Double(2 * tp) / Double(2 * tp + fp + fn)
    }

    var accuracy: Double {
        pairs.isEmpty ? 0 : Double(pairs.filter { $0.truth == $0.prediction }.count) / Double(pairs.count)
    }

    /// Labels that occur as a truth or a prediction (scikit-learn's `unique_labels(y_true, y_pred)`).
    var presentLabels: [Emotion] {
        Emotion.allCases.filter { e in pairs.contains { $0.truth == e || $0.prediction == e } }
    }

    var macroF1: Double {
        let labels = presentLabels
        return labels.isEmpty ? 0 : labels.map(f1).reduce(0, +) / Double(labels.count)
    }
}

/// A hand-made set of pairs: every kind of class a metric can meet.
/// - angry, fear, happy: ordinary classes, right and wrong both ways;
/// - disgust: in the truth, never predicted (precision 0, F1 0, in the macro average);
/// - neutral: predicted, never the truth (recall 0, F1 0, in the macro average);
/// - surprise: in neither (left out of the macro average).
let handMadePairs: [(truth: Emotion, prediction: Emotion)] =
    Array(repeating: (Emotion.angry, Emotion.angry), count: 3) + [(.angry, .fear)]
    + Array(repeating: (Emotion.disgust, Emotion.angry), count: 2)
    + Array(repeating: (Emotion.fear, Emotion.fear), count: 2) + [(.fear, .angry), (.fear, .sad)]
    + Array(repeating: (Emotion.happy, Emotion.happy), count: 5) + [(.happy, .neutral)]
    + [(.sad, .sad), (.sad, .happy), (.sad, .neutral), (.sad, .neutral)]
