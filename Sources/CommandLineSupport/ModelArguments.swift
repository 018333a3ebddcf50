import ArgumentParser
import Foundation

/// Which emotion model: the option of every command that loads one (`analyze`, `eval`,
/// `bench classifier`, `up`, `moodwire-classifier`), declared once.
public struct ModelArguments: ParsableArguments, Sendable {
    // Optional without a default value (ArgumentParser deprecates optional options with
    // defaults), so the environment is read in `path()`.
    @Option(
        help: ArgumentHelp(
            "Model file (default: emotion_mini_xception.safetensors from $MOODWIRE_MODELS, ~/.local/share/moodwire/models or /usr/local/share/moodwire/models; env MOODWIRE_MODEL).",
            valueName: "path"))
    public var model: String?

    public init() {}

    /// `--model`, else a non-empty `MOODWIRE_MODEL`.
    private var given: String? { (model ?? environment("MODEL")).flatMap { $0.isEmpty ? nil : $0 } }

    /// The given model, else the installed emotion model.
    public func path() throws(ModelStoreError) -> String {
        if let given { return given }
        return try ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(ModelStore.emotionModel)
    }

    /// This option as command-line arguments, for a classifier process started by `up`: only when
    /// given, so that the classifier finds the installed model itself.
    public var arguments: [String] {
        given.map { ["--model", $0] } ?? []
    }
}
