import CommandLineSupport
import Foundation
import Logging
import StageOptions
import TestSupport
import Testing

@testable import Supervisor

/// Two detectors and two classifiers; one classifier is killed mid-stream and the supervisor
/// restarts it. Frames it held are re-sent by the ingest after the acknowledgement timeout, and
/// the recorder keeps each frame once.
@Suite(
    "Worker failure", .serialized,
    .enabled(if: StackTestSupport.ready || StackTestSupport.inCI, StackTestSupport.skipMessage))
struct WorkerFailureTests {
    @Test func killedClassifierLosesNoFrameAndDuplicatesNone() throws {
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let frameCount = 200
        let video = directory + "/clip.avi"
        try StackTestSupport.makeVideo(from: StackTestSupport.facePhotos[4], frames: frameCount, to: video)
        let database = directory + "/results.db"
        var stages = try StageArguments.parse([])
        stages.ingest.sources = ["clip=\(video)"]
        stages.ingest.ackTimeout = 2
        stages.database.db = database
        let configuration = StackConfiguration(
            stages: stages, executableDirectory: StackTestSupport.binDirectory, detectors: 2, classifiers: 2,
            basePort: StackTestSupport.basePort())
        let stack = try RunningStack(configuration)
        let supervisor = stack.supervisor

        // Wait until results flow, then kill a classifier that is holding work.
        let deadline = ContinuousClock.now + .seconds(60)
        var recorded = 0
        while recorded < 20 && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            recorded = StackTestSupport.count(database, "SELECT count(*) FROM frames")
        }
        #expect(recorded >= 20 && recorded < frameCount, "kill must land mid-stream (recorded \(recorded))")
        let victim = try #require(supervisor.processIDs["classifier-1"])
        kill(victim, SIGKILL)

        #expect(
            stack.waitForEnd(progress: { StackTestSupport.count(database, "SELECT count(*) FROM frames") }),
            "the stack did not finish")
        let summary = supervisor.summary
        #expect(summary.completed)
        #expect(summary.restarts["classifier-1"] == 1)

        try StackTestSupport.expectEveryFrameOnce(of: "clip", count: frameCount, in: database, directory: directory)
    }
}
