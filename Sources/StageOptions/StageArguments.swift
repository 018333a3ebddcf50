import ArgumentParser
import CommandLineSupport

/// Every stage's options in one group, for `moodwire up`, which starts the stages and passes
/// each its own (`arguments(of:)`): the same flags, environment variables and rules as the stage
/// executables, from the same declarations.
public struct StageArguments: ParsableArguments, Sendable {
    /// The stages `up` starts, by executable.
    public enum Stage: String, Sendable {
        case broker, recorder, detector, classifier, web, ingest
    }

    @OptionGroup(title: "Sources") public var ingest: SourceArguments
    @OptionGroup(title: "Face detection") public var detection: DetectionArguments

    @Option(help: "Threads per detector process (env MOODWIRE_DETECTOR_THREADS).")
    public var detectorThreads: Int = environment("DETECTOR_THREADS", Int.init) ?? 1

    @OptionGroup(title: "Emotion classification") public var classification: ClassificationArguments
    @OptionGroup(title: "Classifier queue") public var classifierQueue: ClassifierQueueArguments

    @Option(help: "Inference threads per classifier process (env MOODWIRE_CLASSIFIER_THREADS).")
    public var classifierThreads: Int = environment("CLASSIFIER_THREADS", Int.init) ?? 1

    @OptionGroup(title: "Results") public var database: DatabaseArguments
    @OptionGroup(title: "Recorder") public var recorder: RecorderArguments
    @OptionGroup(title: "Web page") public var web: WebArguments
    @OptionGroup(title: "Broker") public var broker: BrokerArguments

    public init() {}

    public func validate() throws {
        guard (1...64).contains(detectorThreads), (1...64).contains(classifierThreads) else {
            throw ValidationError("--detector-threads and --classifier-threads must be between 1 and 64")
        }
    }

    /// The flags of `stage`'s own options; the one place where typed options become arguments.
    public func arguments(of stage: Stage) -> [String] {
        switch stage {
        case .broker: broker.arguments
        case .recorder: database.arguments + recorder.arguments
        case .detector: detection.arguments + classification.model.arguments + ["--threads", "\(detectorThreads)"]
        case .classifier: classification.arguments + classifierQueue.arguments + ["--threads", "\(classifierThreads)"]
        case .web: database.arguments + web.arguments
        case .ingest: ingest.arguments
        }
    }
}
