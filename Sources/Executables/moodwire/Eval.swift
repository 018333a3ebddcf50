import ArgumentParser
import CommandLineSupport
import EmotionClassification
import Evaluation
import Foundation
import Logging

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the emotion model on a labelled folder (one subfolder per FER2013 label).",
        discussion: """
            Prints accuracy, per-class precision, recall and F1, macro-F1 and the confusion matrix.
            Label folders: angry, disgust, fear, happy, sad, surprise, neutral. Unreadable images are
            reported and left out of the figures.
            """
    )

    @Argument(help: "Folder with one subfolder of images per label.")
    var folder: String

    @Flag(help: "Print the results as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also write the confusion matrix as an SVG heat map.", valueName: "file.svg"))
    var plot: String?

    @OptionGroup(title: "Emotion classification") var classification: ClassificationArguments
    @OptionGroup var process: ProcessOptions

    func run() async throws {
        let logger = process.bootstrapLogging()
        let classifier = try EmotionClassifier(
            modelPath: try classification.model.path(), maxBatch: classification.imagesPerRun,
            threads: process.threads, logger: logger)
        let labelled = try LabelledFolder(root: folder)
        guard !labelled.items.isEmpty else { throw EvaluationError.noImages(root: folder) }
        let bar = ProgressBar(total: labelled.items.count, label: "eval")
        let result = Evaluator(classifier: classifier, logger: logger).evaluate(labelled, flipAveraged: classification.flipAverage) { done, failed in
            bar.update(done, note: failed > 0 ? "\(failed) unreadable" : "")
        }
        bar.finish()
        print(json ? EvaluationReport.json(result) : EvaluationReport.text(result))
        if let plot {
            let title =
                "Confusion matrix: " + URL(fileURLWithPath: folder).lastPathComponent
                + String(format: " (accuracy %.2f%%)", result.matrix.accuracy * 100)
            do {
                try ConfusionHeatmap.svg(result.matrix, title: title).write(toFile: plot, atomically: true, encoding: .utf8)
            } catch {
                throw ValidationError("cannot write \(plot): \(error.localizedDescription)")
            }
        }
    }
}
