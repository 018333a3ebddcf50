import Foundation
import Processes
import TestSupport
import Testing

/// A malformed environment variable is a configuration error that names it (exit status 78, which
/// a supervisor does not retry), never a silent fallback to the default.
@Suite struct StageConfigurationTests {
    @Test(arguments: [
        ("moodwire-classifier", "MOODWIRE_BATCH", "abc"), ("moodwire-detector", "MOODWIRE_MIN_SIZE", "big"),
        ("moodwire-ingest", "MOODWIRE_FPS", "fast"), ("moodwire-recorder", "MOODWIRE_BASE_PORT", "x"),
        ("moodwire-broker", "MOODWIRE_LOG_LEVEL", "loud"), ("moodwire-web", "MOODWIRE_UPLOAD_TIMEOUT", "soon"),
        ("moodwire-classifier", "MOODWIRE_FLIP_AVERAGE", "maybe")
    ])
    func malformedVariableIsAConfigurationError(_ executable: String, _ variable: String, _ value: String) throws {
        var environment = ProcessInfo.processInfo.environment
        environment[variable] = value
        // The ingest needs a source before it gets as far as its environment.
        let arguments = executable == "moodwire-ingest" ? ["--source", "/etc/hostname"] : []
        let process = try ChildProcess(
            executable: StackTestSupport.binDirectory + "/" + executable, arguments: arguments,
            options: .init(
                standardOutput: .pipe, standardError: .tail(limit: 4096),
                environment: environment))
        _ = try process.readAllOutput()
        let status = process.waitForExit()
        #expect(status == .exited(.configuration))
        let message = process.errorLines(last: 5).joined(separator: "\n")
        #expect(message.contains("\(variable)=\"\(value)\""), "\(message)")
    }

    @Test func emptyVariableMeansUnset() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["MOODWIRE_BATCH"] = ""
        let process = try ChildProcess(
            executable: StackTestSupport.binDirectory + "/moodwire-classifier", arguments: ["--help"],
            options: .init(
                standardOutput: .pipe, standardError: .tail(limit: 4096),
                environment: environment))
        let help = String(decoding: try process.readAllOutput(), as: UTF8.self)
        #expect(process.waitForExit() == .exited(0))
        #expect(help.contains("--batch"))
    }
}
