import ArgumentParser
import CommandLineSupport
import Foundation
import Logging

/// Options shared by the commands that run the classifier.
struct ModelOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Model file (default: emotion_mini_xception.safetensors from $MOODWIRE_MODELS, ~/.local/share/moodwire/models or /usr/local/share/moodwire/models).",
            valueName: "path"))
    var model: String?

    @Option(help: "Faces per inference batch.")
    var batch = 32

    @Option(help: "Threads for inference.")
    var threads = 1

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
    }

    func emotionModelPath() throws -> String {
        if let model { return model }
        return try ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(ModelStore.emotionModel)
    }

    func bootstrapLogging() -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "moodwire")
    }
}
