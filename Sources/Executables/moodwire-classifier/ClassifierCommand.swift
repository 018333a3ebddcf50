import ArgumentParser
import ClassifierStage
import CommandLineSupport
import EmotionClassification
import Foundation
import Logging
import Messaging

@main
struct ClassifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire-classifier",
        abstract: "Classifier worker: takes face crops from the broker, sends emotion results to the recorder.",
        discussion: "Faces that arrive within --max-wait-ms of each other are classified in one batch."
    )

    @OptionGroup var service: ServiceOptions

    @OptionGroup(title: "Emotion classification") var classification: ClassificationArguments
    @OptionGroup(title: "Queue") var queue: ClassifierQueueArguments

    @Option(help: "Inference threads (env MOODWIRE_CLASSIFIER_THREADS).")
    var threads: Int = environment("CLASSIFIER_THREADS", Int.init) ?? 1

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
    }

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.classifier")
        let logger = observability.logger
        let classifier: EmotionClassifier
        do {
            classifier = try EmotionClassifier(
                modelPath: try classification.model.path(), maxBatch: classification.imagesPerRun, threads: threads,
                logger: logger)
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        let configuration = ClassifierServiceConfiguration(
            endpoints: service.endpoints, batchSize: classification.batch,
            maxWait: .milliseconds(queue.maxWaitMs), flipAveraged: classification.flipAverage,
            resendAfter: .seconds(queue.resendAfter))
        try await ServiceRunner.run(
            [ClassifierService.make(configuration, classifier: Handover(classifier), logger: logger)],
            observability: observability)
    }
}
