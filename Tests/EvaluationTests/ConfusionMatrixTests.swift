import Evaluation
import Results
import TestSupport
import Testing

@Suite struct ConfusionMatrixTests {
    private let tolerance = 1e-12

    private func matrix(_ pairs: [(truth: Emotion, prediction: Emotion)]) -> ConfusionMatrix {
        var matrix = ConfusionMatrix()
        for pair in pairs { matrix.record(truth: pair.truth, prediction: pair.prediction) }
        return matrix
    }

    @Test func countsAreTruthRowsByPredictionColumns() {
        var matrix = ConfusionMatrix()
        matrix.record(truth: .angry, prediction: .fear)
        matrix.record(truth: .angry, prediction: .fear)
        matrix.record(truth: .neutral, prediction: .disgust)
        var expected = Array(repeating: Array(repeating: 0, count: 7), count: 7)
        expected[0][2] = 2
        expected[6][1] = 1
        #expect(matrix.counts == expected)
        #expect(matrix == ConfusionMatrix(counts: expected))
        #expect(matrix.total == 3 && matrix.correct == 0)
    }

    @Test func metricsMatchCountsFromThePairs() {
        let reference = PairCounts(pairs: handMadePairs)
        let matrix = matrix(handMadePairs)

        #expect(matrix.total == handMadePairs.count)
        #expect(matrix.correct == handMadePairs.filter { $0.truth == $0.prediction }.count)
        #expect(abs(matrix.accuracy - reference.accuracy) < tolerance)
        for emotion in Emotion.allCases {
            #expect(matrix.support(emotion) == reference.support(emotion), "support of \(emotion)")
            #expect(
                abs(matrix.precision(emotion) - reference.precision(emotion)) < tolerance,
                "precision of \(emotion): \(matrix.precision(emotion)) vs \(reference.precision(emotion))")
            #expect(
                abs(matrix.recall(emotion) - reference.recall(emotion)) < tolerance,
                "recall of \(emotion): \(matrix.recall(emotion)) vs \(reference.recall(emotion))")
            #expect(
                abs(matrix.f1(emotion) - reference.f1(emotion)) < tolerance,
                "F1 of \(emotion): \(matrix.f1(emotion)) vs \(reference.f1(emotion))")
        }
        #expect(
            abs(matrix.macroF1 - reference.macroF1) < tolerance,
            "macro-F1 \(matrix.macroF1) vs \(reference.macroF1)")
    }

    /// The corner cases the hand-made pairs were built for.
    @Test func neverPredictedAndAbsentClasses() {
        let reference = PairCounts(pairs: handMadePairs)
        let matrix = matrix(handMadePairs)

        // disgust: two true images, never predicted.
        #expect(matrix.support(.disgust) == 2)
        #expect(matrix.precision(.disgust) == 0 && matrix.recall(.disgust) == 0 && matrix.f1(.disgust) == 0)
        // neutral: predicted three times, never the truth.
        #expect(matrix.support(.neutral) == 0)
        #expect(matrix.precision(.neutral) == 0 && matrix.recall(.neutral) == 0)
        // surprise: nowhere; it must not drag the macro average down.
        #expect(matrix.support(.surprise) == 0 && matrix.f1(.surprise) == 0)
        #expect(!reference.presentLabels.contains(.surprise))
        #expect(reference.presentLabels.count == 6)
        let overAllSeven = Emotion.allCases.map(matrix.f1).reduce(0, +) / 7
        #expect(matrix.macroF1 > overAllSeven)
        #expect(abs(matrix.macroF1 - Emotion.allCases.map(matrix.f1).reduce(0, +) / 6) < tolerance)
    }

    @Test func perfectPredictions() {
        let pairs = Emotion.allCases.flatMap { e in Array(repeating: (truth: e, prediction: e), count: e.index + 1) }
        let matrix = matrix(pairs)
        #expect(matrix.accuracy == 1 && matrix.macroF1 == 1)
        #expect(Emotion.allCases.allSatisfy { matrix.precision($0) == 1 && matrix.recall($0) == 1 })
    }

    @Test func emptyMatrixHasZeroMetrics() {
        let matrix = ConfusionMatrix()
        #expect(matrix.total == 0 && matrix.correct == 0)
        #expect(matrix.accuracy == 0 && matrix.macroF1 == 0)
        #expect(Emotion.allCases.allSatisfy { matrix.precision($0) == 0 && matrix.recall($0) == 0 && matrix.f1($0) == 0 })
    }

    /// A single pair: both of its labels are present, only one is right.
    @Test func onePairWrong() {
        let matrix = matrix([(.sad, .surprise)])
        #expect(matrix.accuracy == 0)
        #expect(matrix.macroF1 == 0)
        let right = self.matrix([(.sad, .sad), (.sad, .surprise)])
        // sad: precision 1, recall 1/2, F1 2/3; surprise: F1 0; mean over those two.
        let reference = PairCounts(pairs: [(.sad, .sad), (.sad, .surprise)])
        #expect(abs(right.macroF1 - (reference.f1(.sad) + reference.f1(.surprise)) / 2) < tolerance)
        #expect(abs(right.f1(.sad) - 2.0 / 3.0) < tolerance)
    }
}
