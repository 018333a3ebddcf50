import Foundation
import TestSupport
import Testing

@testable import Evaluation
@testable import Results

// `EvaluationResult` and its `Failure` have no public initialisers; only an evaluation makes them.

@Suite struct EvaluationReportTests {
    private let ferLabels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]

    private func handMadeResult(flipAveraged: Bool = true) -> EvaluationResult {
        var matrix = ConfusionMatrix()
        for pair in handMadePairs { matrix.record(truth: pair.truth, prediction: pair.prediction) }
        return EvaluationResult(
            root: "/data/fer/val", flipAveraged: flipAveraged, matrix: matrix,
            failures: [
                .init(path: "/data/fer/val/sad/broken.jpg", reason: "/data/fer/val/sad/broken.jpg: corrupt"),
                .init(path: "/data/fer/val/fear/notes.jpg", reason: "/data/fer/val/fear/notes.jpg: not a JPEG image")
            ])
    }

    private func parse(_ json: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try #require(object as? [String: Any], "the report is not a JSON object")
    }

    @Test func jsonHasTheDocumentedKeysAndTheMatrixFigures() throws {
        let result = handMadeResult()
        let matrix = result.matrix
        let json = try parse(EvaluationReport.json(result))

        #expect(
            Set(json.keys) == [
                "count", "accuracy", "macro_f1", "labels", "per_class", "confusion",
                "flip_average", "failed"
            ])
        #expect(json["count"] as? Int == handMadePairs.count)
        let accuracy = try #require(json["accuracy"] as? Double)
        let macroF1 = try #require(json["macro_f1"] as? Double)
        #expect(abs(accuracy - matrix.accuracy) < 1e-12)
        #expect(abs(macroF1 - matrix.macroF1) < 1e-12)
        // Against the independent count too, not only against the matrix.
        let reference = PairCounts(pairs: handMadePairs)
        #expect(abs(accuracy - reference.accuracy) < 1e-12 && abs(macroF1 - reference.macroF1) < 1e-12)

        #expect(json["labels"] as? [String] == ferLabels)
        let perClass = try #require(json["per_class"] as? [String: [String: Any]])
        #expect(Set(perClass.keys) == Set(ferLabels))
        for emotion in Emotion.allCases {
            let metrics = try #require(perClass[emotion.rawValue], "per_class lacks \(emotion)")
            #expect(Set(metrics.keys) == ["precision", "recall", "f1", "support"], "\(emotion)")
            let precision = try #require(metrics["precision"] as? Double)
            let recall = try #require(metrics["recall"] as? Double)
            let f1 = try #require(metrics["f1"] as? Double)
            #expect(abs(precision - reference.precision(emotion)) < 1e-12, "precision of \(emotion)")
            #expect(abs(recall - reference.recall(emotion)) < 1e-12, "recall of \(emotion)")
            #expect(abs(f1 - reference.f1(emotion)) < 1e-12, "F1 of \(emotion)")
            #expect(metrics["support"] as? Int == reference.support(emotion), "support of \(emotion)")
        }

        let confusion = try #require(json["confusion"] as? [[Int]])
        #expect(confusion.count == 7 && confusion.allSatisfy { $0.count == 7 })
        #expect(confusion == matrix.counts)
        for (t, truth) in Emotion.allCases.enumerated() {
            for (p, prediction) in Emotion.allCases.enumerated() {
                let pairs = handMadePairs.filter { $0.truth == truth && $0.prediction == prediction }.count
                #expect(confusion[t][p] == pairs, "confusion[\(truth)][\(prediction)]")
            }
        }

        #expect(json["flip_average"] as? Bool == true)
        let failed = try #require(json["failed"] as? [[String: String]])
        #expect(failed == result.failures.map { ["path": $0.path, "reason": $0.reason] })
    }

    /// Paths keep their slashes unescaped, and an empty evaluation is still valid JSON.
    @Test func jsonOfAnEmptyEvaluation() throws {
        let result = EvaluationResult(root: "/x", flipAveraged: false, matrix: ConfusionMatrix(), failures: [])
        let text = EvaluationReport.json(result)
        let json = try parse(text)
        #expect(json["count"] as? Int == 0)
        #expect(json["accuracy"] as? Double == 0 && json["macro_f1"] as? Double == 0)
        #expect((json["failed"] as? [Any])?.isEmpty == true)
        #expect(json["flip_average"] as? Bool == false)
        #expect(EvaluationReport.json(handMadeResult()).contains("\"/data/fer/val/sad/broken.jpg\""))
    }

    @Test func textHasHeadlineTableAndMatrix() throws {
        let result = handMadeResult()
        let matrix = result.matrix
        let text = EvaluationReport.text(result)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        #expect(lines.first == "/data/fer/val: \(matrix.total) images, flip-averaged")
        let accuracyLine = try #require(lines.first { $0.hasPrefix("accuracy") }, "no accuracy line in\n\(text)")
        #expect(accuracyLine.contains(String(format: "%.2f%%", matrix.accuracy * 100)))
        #expect(accuracyLine.contains("(\(matrix.correct)/\(matrix.total))"))
        let macroLine = try #require(lines.first { $0.hasPrefix("macro-F1") })
        #expect(macroLine.contains(String(format: "%.4f", matrix.macroF1)))
        #expect(text.contains("2 unreadable images skipped"))
        for failure in result.failures { #expect(text.contains(failure.reason)) }

        // One table row per label, in FER order, with its support last.
        let rows = lines.filter { line in ferLabels.contains { line.hasPrefix($0 + " ") } }
        #expect(rows.count == 14, "a table row and a matrix row per label")
        for (index, label) in ferLabels.enumerated() {
            let tableRow = rows[index].split(separator: " ")
            #expect(tableRow.first.map(String.init) == label)
            #expect(tableRow.last.map(String.init) == "\(matrix.counts[index].reduce(0, +))", "\(label)")
            let matrixRow = rows[7 + index].split(separator: " ").dropFirst().compactMap { Int($0) }
            #expect(matrixRow == matrix.counts[index], "matrix row of \(label)")
        }
    }

    @Test func textWithoutFailuresOrFlip() {
        let text = EvaluationReport.text(handMadeResult(flipAveraged: false).withoutFailures)
        #expect(text.hasPrefix("/data/fer/val: \(handMadePairs.count) images\n"))
        #expect(!text.contains("unreadable"))
    }

    @Test func manyFailuresAreSummarised() {
        let failures = (0..<13).map { EvaluationResult.Failure(path: "/f/\($0).jpg", reason: "/f/\($0).jpg: bad") }
        let result = EvaluationResult(root: "/f", flipAveraged: false, matrix: ConfusionMatrix(), failures: failures)
        let text = EvaluationReport.text(result)
        #expect(text.contains("13 unreadable images skipped"))
        #expect(text.contains("/f/9.jpg: bad") && !text.contains("/f/10.jpg: bad"))
        #expect(text.contains("and 3 more"))
    }
}

private extension EvaluationResult {
    var withoutFailures: EvaluationResult {
        EvaluationResult(root: root, flipAveraged: flipAveraged, matrix: matrix, failures: [])
    }
}
