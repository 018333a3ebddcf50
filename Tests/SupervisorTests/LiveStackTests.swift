import CommandLineSupport
import Foundation
import Logging
import Processes
import StageOptions
import TestSupport
import Testing

@testable import Supervisor

/// Live sources through the whole stack: a real RTSP server (GStreamer's, Tests/IngestTests/RTSP)
/// on loopback feeds `moodwire up`'s ingest and a second ingest process with two sources; the
/// server is stopped and restarted mid-stream, and results resume within 10 s.
@Suite(
    "Live stack", .serialized,
    .enabled(
        if: (StackTestSupport.ready && FileManager.default.fileExists(atPath: "/usr/bin/python3")) || StackTestSupport.inCI,
        StackTestSupport.skipMessage))
struct LiveStackTests {
    static let serverScript = StackTestSupport.repositoryRoot.appendingPathComponent("Tests/IngestTests/RTSP/rtsp_server.py").path

    @Test func resultsResumeAfterTheCameraRestarts() throws {
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let basePort = StackTestSupport.basePort()
        let rtspPort = basePort + 9
        let image = StackTestSupport.facePhotos[2]
        var server = try startServer(port: rtspPort, image: image, in: directory)
        defer { stopServer(server) }

        let database = directory + "/live.db"
        let url = "rtsp://viewer:s3cret@127.0.0.1:\(rtspPort)/cam"
        var stages = try StageArguments.parse([])
        stages.ingest.sources = ["door=" + url]
        stages.ingest.stallTimeout = 3
        stages.ingest.maxBackoff = 1
        stages.database.db = database
        let configuration = StackConfiguration(
            stages: stages, executableDirectory: StackTestSupport.binDirectory, basePort: basePort, keepRunning: true, logLevel: .info)
        let stack = try RunningStack(configuration)
        // A second ingest process with two sources on the same camera: several sources per
        // process, and several ingest processes per stack.
        let pairLog = directory + "/pair.log"
        let pair = try StackTestSupport.spawn(
            StackTestSupport.binDirectory + "/moodwire-ingest",
            [
                "--base-port", "\(basePort)", "--source", "hall=" + url, "--source", "yard=" + url,
                "--stall-timeout", "3", "--max-backoff", "1", "--log-level", "info"
            ], log: pairLog)
        defer {
            pair.stop(timeout: .seconds(10))
            stack.stopAndWait()
        }

        func frames(_ source: String) -> Int {
            StackTestSupport.count(database, "SELECT count(*) FROM frames WHERE source = '\(source)'")
        }
        func waitForGrowth(of sources: [String], within wait: Duration) -> Bool {
            let before = sources.map(frames)
            let deadline = ContinuousClock.now + wait
            while ContinuousClock.now < deadline {
                if zip(sources, before).allSatisfy({ frames($0) >= $1 + 3 }) { return true }
                Thread.sleep(forTimeInterval: 0.25)
            }
            return false
        }
        let sources = ["door", "hall", "yard"]
        #expect(waitForGrowth(of: sources, within: .seconds(90)), "no results from the RTSP stream")

        stopServer(server)
        Thread.sleep(forTimeInterval: 2)
        server = try startServer(port: rtspPort, image: image, in: directory)
        let restarted = ContinuousClock.now
        #expect(waitForGrowth(of: sources, within: .seconds(60)), "results did not resume within 60 s of the restart")
        print("live stack: results resumed \(ContinuousClock.now - restarted) after the RTSP server restarted")

        // The stack is still recording: each check is one statement, so it reads one snapshot (and
        // an unreadable database gives 0, a failure).
        #expect(
            StackTestSupport.count(database, "SELECT (SELECT sum(face_count) FROM frames) = (SELECT count(*) FROM faces)") == 1,
            "face rows and the frames' face counts differ")
        #expect(
            StackTestSupport.count(database, "SELECT (SELECT sum(face_count) FROM frames) >= (SELECT count(*) FROM frames)") == 1,
            "the photo's faces are found in the stream's frames")
        // Live frames older than --max-lag (2 s) are dropped, not queued: results stay current.
        #expect(StackTestSupport.count(database, "SELECT count(*) FROM frames WHERE processed_at - captured_at > 6") == 0)
        let logs = (try? String(contentsOfFile: pairLog, encoding: .utf8)) ?? ""
        #expect(logs.contains("reconnecting"))
        #expect(!logs.contains("s3cret"), "a password reached the log")
    }

    private func startServer(port: Int, image: String, in directory: String) throws -> ChildProcess {
        let log = directory + "/rtsp-\(UUID().uuidString).log"
        let process = try StackTestSupport.spawn(
            "/usr/bin/python3",
            [
                Self.serverScript, "--port", "\(port)", "--image", image, "--user", "viewer", "--password", "s3cret"
            ], log: log)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").hasPrefix("ready") { return process }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stopServer(process)
        throw StackTestError("the RTSP test server did not start: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
    }

    private func stopServer(_ process: ChildProcess) {
        process.stop(timeout: .seconds(5))
    }
}
