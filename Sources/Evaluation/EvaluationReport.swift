import Foundation
import Results

/// The printed forms of an evaluation: a readable report and the documented JSON.
public enum EvaluationReport {
    /// `{"count", "accuracy", "macro_f1", "labels", "per_class": {label: {"precision", "recall",
    /// "f1", "support"}}, "confusion": [[...]], "flip_average", "failed": [{"path", "reason"}]}`
    public static func json(_ result: EvaluationResult) -> String {
        let matrix = result.matrix
        var perClass: [String: ClassMetrics] = [:]
        for emotion in Emotion.allCases {
            perClass[emotion.rawValue] = ClassMetrics(
                precision: matrix.precision(emotion), recall: matrix.recall(emotion),
                f1: matrix.f1(emotion), support: matrix.support(emotion))
        }
        let document = Document(
            count: matrix.total, accuracy: matrix.accuracy, macroF1: matrix.macroF1,
            labels: Emotion.allCases.map(\.rawValue), perClass: perClass,
            confusion: matrix.counts, flipAverage: result.flipAveraged, failed: result.failures)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(document), as: UTF8.self)
    }

    /// A readable report: headline figures, a per-class table and the confusion matrix.
    public static func text(_ result: EvaluationResult) -> String {
        let matrix = result.matrix
        var lines: [String] = []
        lines.append("\(result.root): \(matrix.total) images" + (result.flipAveraged ? ", flip-averaged" : ""))
        if !result.failures.isEmpty {
            lines.append("\(result.failures.count) unreadable image\(result.failures.count == 1 ? "" : "s") skipped:")
            for failure in result.failures.prefix(10) { lines.append("  \(failure.reason)") }
            if result.failures.count > 10 { lines.append("  ... and \(result.failures.count - 10) more") }
        }
        lines.append(String(format: "accuracy  %.2f%% (%d/%d)", matrix.accuracy * 100, matrix.correct, matrix.total))
        lines.append(String(format: "macro-F1  %.4f", matrix.macroF1))
        lines.append("")
        lines.append(
            pad("label", 10) + pad("precision", 11, right: true) + pad("recall", 9, right: true)
                + pad("f1", 9, right: true) + pad("support", 9, right: true))
        for emotion in Emotion.allCases {
            lines.append(
                pad(emotion.rawValue, 10)
                    + pad(String(format: "%.4f", matrix.precision(emotion)), 11, right: true)
                    + pad(String(format: "%.4f", matrix.recall(emotion)), 9, right: true)
                    + pad(String(format: "%.4f", matrix.f1(emotion)), 9, right: true)
                    + pad("\(matrix.support(emotion))", 9, right: true))
        }
        lines.append("")
        lines.append("confusion matrix (rows: true label, columns: predicted)")
        lines.append(pad("", 10) + Emotion.allCases.map { pad($0.rawValue, 9, right: true) }.joined())
        for truth in Emotion.allCases {
            lines.append(pad(truth.rawValue, 10) + matrix.counts[truth.index].map { pad("\($0)", 9, right: true) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }

    private struct ClassMetrics: Encodable {
        let precision, recall, f1: Double
        let support: Int
    }

    private struct Document: Encodable {
        let count: Int
        let accuracy: Double
        let macroF1: Double
        let labels: [String]
        let perClass: [String: ClassMetrics]
        let confusion: [[Int]]
        let flipAverage: Bool
        let failed: [EvaluationResult.Failure]

        enum CodingKeys: String, CodingKey {
            case count, accuracy, macroF1 = "macro_f1", labels, perClass = "per_class", confusion
            case flipAverage = "flip_average", failed
        }
    }
}
