import Foundation
import Processes
import TestSupport
import Testing

@testable import CommandLineSupport
@testable import SQLite

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs the real executables (built beside the test bundle) as child processes.
enum StackTestSupport {
    static let repositoryRoot = TestSupport.repositoryRoot
    static let sharedData = TestSupport.sharedData.path
    static let inCI = runningInCI
    static let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().path
    static var ready: Bool {
        FileManager.default.fileExists(atPath: sharedData + "/faces")
            && InstalledModels.emotionModel != nil
    }
    static let skipMessage: Comment = "needs ../shared/data/faces and the model files (scripts/setup.sh)"

    /// The face photos of the shared data, sorted.
    static var facePhotos: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: sharedData + "/faces")) ?? [])
            .filter { $0.hasSuffix(".jpg") }.sorted().map { sharedData + "/faces/" + $0 }
    }

    /// A base port whose eight ports (and base + 8, for the web service) nothing else in this test run uses.
    /// Ten free consecutive ports: the stack's eight, the web page and one spare.
    static func basePort() -> Int { TestPorts.block(of: 10) }

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
        return Output(
            status: process.terminationStatus,
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

    /// The integer `sql` gives on `database`, read in this process (0 while the file is not there
    /// yet). Polling loops use it instead of `query`: a child process per poll is slow, and many
    /// short-lived Foundation processes beside long-running ones have been seen to leave one unreaped.
    static func count(_ database: String, _ sql: String) -> Int {
        guard FileManager.default.fileExists(atPath: database),
            let connection = try? Database(path: database, configuration: .init(access: .readOnly)),
            let statement = try? connection.prepare(sql), (try? statement.step()) == true
        else { return 0 }
        return Int(statement.int64(at: 0))
    }

    /// Checks that the database holds frames 0..<count of `source` exactly once each, one face row
    /// per face counted, and at least as many faces as frames (the test videos show a face throughout).
    static func expectEveryFrameOnce(of source: String, count: Int, in database: String, directory: String) throws {
        let rows = try query(
            database,
            """
            SELECT count(*) AS n, count(DISTINCT seq) AS distinct_seq, min(seq) AS first, max(seq) AS last,
                   sum(face_count) AS faces, (SELECT count(*) FROM faces) AS face_rows FROM frames WHERE source = '\(source)'
            """, in: directory)
        let row = try #require(rows.first)
        #expect(row["n"] as? Int == count)
        #expect(row["distinct_seq"] as? Int == count)
        #expect(row["first"] as? Int == 0 && row["last"] as? Int == count - 1)
        #expect(row["faces"] as? Int == row["face_rows"] as? Int)
        #expect(row["faces"] as? Int ?? 0 >= count)
    }

    /// A stage's `/metrics` text (the stack runs with `metricsBasePort`), fetched in this process.
    static func scrapeMetrics(port: Int) throws -> String {
        let url = URL(string: "http://127.0.0.1:\(port)/metrics")!
        let done = DispatchSemaphore(value: 0)
        let response = Locked<Result<String, any Error>>(.failure(StackTestError("no answer from \(url)")))
        URLSession.shared.dataTask(with: url) { data, _, error in
            response.value = data.map { .success(String(decoding: $0, as: UTF8.self)) } ?? .failure(error ?? StackTestError("no data"))
            done.signal()
        }.resume()
        guard done.wait(timeout: .now() + 30) == .success else { throw StackTestError("\(url) did not answer in 30 s") }
        return try response.value.get()
    }

    /// The value of the sample of `name` whose labels include `labels` (`key="value"` pairs).
    static func metricValue(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let wanted = labels.allSatisfy { line.contains("\($0.key)=\"\($0.value)\"") }
            if wanted, let value = line.split(separator: " ").last.flatMap({ Double($0) }) { return value }
        }
        return nil
    }

    /// A child process started with posix_spawn (Moodwire's `ChildProcess`), its
    /// standard output and error in `log`. Tests that keep processes running beside a supervisor
    /// use it: Foundation's `Process` was seen to leave such a child unreaped (`waitUntilExit`
    /// then never returns).
    static func spawn(_ executable: String, _ arguments: [String], log: String) throws -> ChildProcess {
        let command = ([executable] + arguments).map(shellQuoted).joined(separator: " ")
        return try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", "exec \(command) > \(shellQuoted(log)) 2>&1"],
            options: .init(ownProcessGroup: true))
    }

    private static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A video of `frames` frames at 640x480 made with ffmpeg from one photo, or from ffmpeg's
    /// test pattern (no faces) when `image` is nil.
    static func makeVideo(from image: String?, frames: Int, to path: String) throws {
        let input = image.map { ["-loop", "1", "-i", $0] } ?? ["-f", "lavfi", "-i", "testsrc=size=640x480:rate=10"]
        let output = try run(
            "/usr/bin/ffmpeg",
            ["-hide_banner", "-loglevel", "error", "-y"] + input + [
                "-vf", "scale=640:480,format=yuv420p", "-frames:v", "\(frames)", "-r", "10",
                "-c:v", "mpeg4", "-q:v", "3", path
            ],
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

/// A value shared with a callback thread.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
