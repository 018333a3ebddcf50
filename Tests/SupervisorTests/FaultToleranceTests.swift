import CommandLineSupport
import Foundation
import Logging
import StageOptions
import TestSupport
import Testing

@testable import Supervisor
@testable import Timing

/// A file source plays through the stack while the recorder, a classifier, a detector and the
/// broker are killed with SIGKILL one after another, each restarted by the supervisor. Every frame
/// ends in the database exactly once; frames lost in flight (in a killed worker's or the broker's
/// queues) are re-sent by the ingest, and the test prints how many after each kill.
@Suite(
    "Fault tolerance", .serialized,
    .enabled(if: StackTestSupport.ready || StackTestSupport.inCI, StackTestSupport.skipMessage))
struct FaultToleranceTests {
    @Test func killingEveryStageInTurnLosesNoResult() throws {
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let frameCount = 900
        let video = directory + "/clip.avi"
        try StackTestSupport.makeVideo(from: StackTestSupport.facePhotos[4], frames: frameCount, to: video)
        let database = directory + "/results.db"
        var stages = try StageArguments.parse([])
        stages.ingest.sources = ["clip=\(video)"]
        stages.ingest.fps = 25
        stages.ingest.ackTimeout = 5
        stages.classifierQueue.resendAfter = 1.5
        stages.database.db = database
        let configuration = StackConfiguration(
            stages: stages, executableDirectory: StackTestSupport.binDirectory, detectors: 2, classifiers: 2,
            basePort: StackTestSupport.basePort(), metricsBasePort: StackTestSupport.basePort())
        let stack = try RunningStack(configuration)
        let supervisor = stack.supervisor
        let ingestMetrics = try #require(supervisor.operationsPorts["ingest"])

        func recorded() -> Int {
            StackTestSupport.count(database, "SELECT count(*) FROM frames")
        }
        func resentByIngest() -> Int {
            let text = (try? StackTestSupport.scrapeMetrics(port: ingestMetrics)) ?? ""
            return Int(StackTestSupport.metricValue(text, "moodwire_ingest_frames", ["source": "clip", "outcome": "resent"]) ?? 0)
        }
        func waitUntil(_ wait: Duration, _ condition: () -> Bool) -> Bool {
            let deadline = ContinuousClock.now + wait
            while ContinuousClock.now < deadline {
                if condition() { return true }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return false
        }

        #expect(waitUntil(.seconds(60)) { recorded() >= 40 }, "results never started")
        var lostAfter: [(stage: String, frames: Int)] = []
        for victim in ["recorder", "classifier-1", "detector-1", "broker"] {
            let resentBefore = resentByIngest()
            let killedAt = ContinuousClock.now
            let pid = try #require(supervisor.processIDs[victim], "\(victim) is not running")
            kill(pid, SIGKILL)
            #expect(waitUntil(.seconds(15)) { supervisor.processIDs[victim].map { $0 != pid } ?? false }, "\(victim) was not restarted")
            let before = recorded()
            #expect(waitUntil(.seconds(30)) { recorded() >= before + 25 }, "results did not resume after killing \(victim)")
            // Past the ingest's acknowledgement timeout, the frames lost in flight have been re-sent.
            let settle = killedAt + .seconds(7) - ContinuousClock.now
            if settle > .zero { Thread.sleep(forTimeInterval: settle.inSeconds) }
            lostAfter.append((victim, resentByIngest() - resentBefore))
        }
        #expect(recorded() < frameCount, "the kills must land while the source plays")

        #expect(stack.waitForEnd(progress: recorded), "the stack did not finish")
        let summary = supervisor.summary
        #expect(summary.completed)
        for victim in ["recorder", "classifier-1", "detector-1", "broker"] {
            #expect(summary.restarts[victim] == 1, "\(victim) restarts: \(summary.restarts[victim] ?? 0)")
        }
        print(
            "fault test: frames lost in flight and re-sent by the ingest, per killed stage: "
                + lostAfter.map { "\($0.stage) \($0.frames)" }.joined(separator: ", "))

        try StackTestSupport.expectEveryFrameOnce(of: "clip", count: frameCount, in: database, directory: directory)
    }
}
