import ArgumentParser
import Logging

/// Threads and logging of the commands that do their work in this process (`analyze`, `eval`).
struct ProcessOptions: ParsableArguments {
    @Option(help: "Threads for detection and inference.")
    var threads = 1

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
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
