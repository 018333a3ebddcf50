import Foundation
import Shared
import Testing

/// Runs the real executables (built beside the test bundle) as child processes.
enum StackTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let sharedData = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data").path
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil
    static let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().path
    static var ready: Bool {
        FileManager.default.fileExists(atPath: sharedData + "/faces")
            && (try? ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(ModelStore.emotionModel)) != nil
    }
    static let skipMessage: Comment = "needs ../shared/data/faces and the model files (scripts/setup.sh)"

    /// The face photos of the shared data, sorted.
    static var facePhotos: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: sharedData + "/faces")) ?? [])
            .filter { $0.hasSuffix(".jpg") }.sorted().map { sharedData + "/faces/" + $0 }
    }

    /// A base port whose eight ports (and base + 8, for the web service) nothing else in this test run uses.
    static func basePort() -> Int {
        portLock.withLock {
            nextPort += 10
            return nextPort
        }
    }
    private static let portLock = NSLock()
    nonisolated(unsafe) private static var nextPort = 21_000 + Int(ProcessInfo.processInfo.processIdentifier % 2000) * 10

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("moodwire-stack-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `executable` (a name in the build folder, or an absolute path) with its output in files.
    static func start(_ executable: String, _ arguments: [String], in directory: String) throws -> (Process, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : binDirectory + "/" + executable)
        process.arguments = arguments
        let name = UUID().uuidString
        let stdout = directory + "/\(name).out", stderr = directory + "/\(name).err"
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        return (process, stdout, stderr)
    }

    /// Runs to the end, killing it after `timeout`.
    static func run(_ executable: String, _ arguments: [String], in directory: String, timeout: Duration = .seconds(180)) throws -> Output {
        let (process, stdout, stderr) = try start(executable, arguments, in: directory)
        try wait(for: process, timeout: timeout)
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "")
    }

    static func wait(for process: Process, timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw StackTestError("\(process.executableURL?.lastPathComponent ?? "process") did not finish within \(timeout)")
        }
    }

    /// Rows of `sql` on `database`, through `moodwire query --json`.
    static func query(_ database: String, _ sql: String, in directory: String) throws -> [[String: Any]] {
        let output = try run("moodwire", ["query", "--db", database, "--json", sql], in: directory, timeout: .seconds(60))
        guard output.status == 0 else { throw StackTestError("moodwire query failed: \(output.stderr)") }
        guard let rows = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] else {
            throw StackTestError("moodwire query printed no JSON array: \(output.stdout)")
        }
        return rows
    }

    /// A video of `frames` frames at 640x480 made with ffmpeg from one photo, or from ffmpeg's
    /// test pattern (no faces) when `image` is nil.
    static func makeVideo(from image: String?, frames: Int, to path: String) throws {
        let input = image.map { ["-loop", "1", "-i", $0] } ?? ["-f", "lavfi", "-i", "testsrc=size=640x480:rate=10"]
        let output = try run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + input + [
                                 "-vf", "scale=640:480,format=yuv420p", "-frames:v", "\(frames)", "-r", "10",
                                 "-c:v", "mpeg4", "-q:v", "3", path],
                             in: FileManager.default.temporaryDirectory.path, timeout: .seconds(60))
        guard output.status == 0 else { throw StackTestError("ffmpeg failed: \(output.stderr)") }
    }

    /// `moodwire analyze --json` on `images`: per file name, the faces as JSON objects.
    static func analyze(_ images: [String], in directory: String) throws -> [String: [[String: Any]]] {
        let output = try run("moodwire", ["analyze", "--json"] + images, in: directory)
        guard output.status == 0 else { throw StackTestError("moodwire analyze failed: \(output.stderr)") }
        var faces: [String: [[String: Any]]] = [:]
        for line in output.stdout.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            faces[URL(fileURLWithPath: object["image"] as! String).lastPathComponent] = object["faces"] as? [[String: Any]]
        }
        return faces
    }
}

struct StackTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
