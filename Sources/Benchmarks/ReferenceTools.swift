import CommandLineSupport
import Foundation
import Processes

/// The programs the benchmarks run beside Moodwire: the reference scripts and ffmpeg.
public enum ReferenceTools {
    /// Runs a reference benchmark script with python3 and returns what it printed on standard
    /// output (its progress goes to standard error, straight to the terminal).
    public static func runPythonScript(_ script: String, arguments: [String]) throws -> Data {
        let process = try ChildProcess(
            executable: try tool("python3"), arguments: [script] + arguments,
            options: .init(standardOutput: .pipe))
        let output = try process.readAllOutput()
        let status = process.waitForExit()
        guard status == .exited(0) else {
            throw CommandError("the reference script \(script) failed (\(status))")
        }
        return Data(output)
    }

    /// A set-up sample (`scripts/fetch-samples.sh`) scaled to 640x480 by ffmpeg into `output`, with
    /// the given encoder flags: the benchmarks' default inputs.
    public static func scaledSample(_ sample: String, to output: String, encoding: [String]) throws -> String {
        let input = try ModelStore.sampleStore(environment: ProcessInfo.processInfo.environment).locate(sample)
        let arguments = ["-hide_banner", "-loglevel", "error", "-y", "-i", input, "-vf", "scale=640:480"] + encoding + [output]
        let process = try ChildProcess(
            executable: try tool("ffmpeg"), arguments: arguments,
            options: .init(standardError: .tail(limit: 4096)))
        guard process.waitForExit() == .exited(0) else {
            throw CommandError("ffmpeg could not scale \(input): " + process.errorLines(last: 3).joined(separator: "; "))
        }
        return output
    }

    private static func tool(_ name: String) throws -> String {
        guard let path = ChildProcess.locate(name, searchPath: ProcessInfo.processInfo.environment["PATH"]) else {
            throw CommandError("\(name) is not on the PATH (scripts/setup.sh installs it)")
        }
        return path
    }
}
