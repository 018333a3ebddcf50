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

    @Option(help: "Model file; empty for the installed emotion_mini_xception.safetensors (env MOODWIRE_MODEL).")
    var model: String = environment("MODEL") ?? ""

    @Option(help: "Most faces per batch (env MOODWIRE_BATCH).")
    var batch: Int = environment("BATCH", Int.init) ?? 32

    @Option(help: "How long a batch waits for more faces, in milliseconds (env MOODWIRE_MAX_WAIT_MS).")
    var maxWaitMs: Int = environment("MAX_WAIT_MS", Int.init) ?? 2

    @Option(help: "Inference threads (env MOODWIRE_CLASSIFIER_THREADS).")
    var threads: Int = environment("CLASSIFIER_THREADS", Int.init) ?? 1

    @Flag(help: "Average each face with its mirror image (env MOODWIRE_FLIP_AVERAGE=1).")
    var flipAverage: Bool = environment("FLIP_AVERAGE", Bool.init(yesOrNo:)) ?? false

    @Option(help: "Seconds before a result the recorder has not acknowledged is sent again (env MOODWIRE_RESEND_AFTER).")
    var resendAfter: Double = environment("RESEND_AFTER", Double.init) ?? 3

    func validate() throws {
        guard resendAfter > 0 else { throw ValidationError("--resend-after must be positive") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard maxWaitMs >= 0 else { throw ValidationError("--max-wait-ms must be 0 or more") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
    }

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.classifier")
        let logger = observability.logger
        let classifier: EmotionClassifier
        do {
            let path =
                try !model.isEmpty ? model : ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(ModelStore.emotionModel)
            classifier = try EmotionClassifier(modelPath: path, maxBatch: flipAverage ? 2 * batch : batch, threads: threads, logger: logger)
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        let configuration = ClassifierServiceConfiguration(
            endpoints: service.endpoints, batchSize: batch,
            maxWait: .milliseconds(maxWaitMs), flipAveraged: flipAverage,
            resendAfter: .seconds(resendAfter))
        try await ServiceRunner.run(
            [ClassifierService.make(configuration, classifier: Handover(classifier), logger: logger)],
            observability: observability)
    }
}
