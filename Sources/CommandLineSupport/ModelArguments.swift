import ArgumentParser
import Foundation

/// Which emotion model: the option of every command that loads one (`analyze`, `eval`,
/// `bench classifier`, `up`, `moodwire-classifier`), declared once.
public struct ModelArguments: ParsableArguments, Sendable {
    // Optional without a default value (ArgumentParser deprecates optional options with
    // defaults), so the environment is read in `path()`.
    @Option(
        help: ArgumentHelp(
            "Model file, or fer for the fer package's model (default: Moodwire's emotion_vgg_fer2013.safetensors from $MOODWIRE_MODELS, ~/.local/share/moodwire/models or /usr/local/share/moodwire/models; env MOODWIRE_MODEL).",
            valueName: "path"))
    public var model: String?

    public init() {}

    /// `--model`, else a non-empty `MOODWIRE_MODEL`.
    private var given: String? { (model ?? environment("MODEL")).flatMap { $0.isEmpty ? nil : $0 } }

    /// The given model (a name of `ModelStore.namedModels` found in the model folders of
    /// `environment`, else a path), else the installed emotion model.
    public func path(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ModelStoreError) -> String {
        let store = ModelStore.standard(environment: environment)
        if let given { return try ModelStore.namedModels[given].map { file throws(ModelStoreError) in try store.locate(file) } ?? given }
        return try store.locate(ModelStore.emotionModel)
    }

    /// This option as command-line arguments, for a classifier process started by `up`: only when
    /// given, so that the classifier finds the installed model itself.
    public var arguments: [String] {
        given.map { ["--model", $0] } ?? []
    }
}
