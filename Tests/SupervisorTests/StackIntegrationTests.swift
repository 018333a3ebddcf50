import Foundation
import Messaging
import PipelineProtocol
import TestSupport
import Testing
import Timing

/// The real processes on loopback: `moodwire up` starts broker, ingest, detector, classifier and
/// recorder; the database must hold every frame once, with the faces `moodwire analyze` finds.
@Suite(
    "Stack integration", .serialized,
    .enabled(if: StackTestSupport.ready || StackTestSupport.inCI, StackTestSupport.skipMessage))
struct StackIntegrationTests {
    @Test func folderAndVideoAreRecordedOnceWithAnalyzeResults() throws {
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let photos = StackTestSupport.facePhotos
        #expect(photos.count >= 10)
        let video = directory + "/clip.avi"
        // The test pattern has no face: its frames are recorded with none.
        try StackTestSupport.makeVideo(from: nil, frames: 12, to: video)
        let database = directory + "/results.db"

        let up = try StackTestSupport.run(
            "moodwire",
            [
                "up", "--source", "faces=\(StackTestSupport.sharedData)/faces", "--source", video, "--db", database,
                "--base-port", "\(StackTestSupport.basePort())", "--no-web"
            ], in: directory)
        #expect(up.status == 0, "moodwire up failed: \(up.stderr)")
        #expect(up.stdout.contains("Recorded \(photos.count + 12) frames"), "summary: \(up.stdout)")

        // One frame row per photo and per video frame, numbered from 0 without gaps.
        let frames = try StackTestSupport.query(
            database,
            "SELECT source, count(*) AS n, count(DISTINCT seq) AS distinct_seq, min(seq) AS first, max(seq) AS last FROM frames GROUP BY source ORDER BY source",
            in: directory)
        #expect(frames.count == 2)
        let bySource = Dictionary(uniqueKeysWithValues: frames.map { ($0["source"] as! String, $0) })
        #expect(bySource["moodwire-up-probe"] == nil, "up's readiness probe went through the stages unrecorded")
        #expect(bySource["faces"]?["n"] as? Int == photos.count)
        #expect(bySource["faces"]?["distinct_seq"] as? Int == photos.count)
        #expect(bySource["faces"]?["last"] as? Int == photos.count - 1)
        #expect(bySource["clip.avi"]?["n"] as? Int == 12)
        #expect(bySource["clip.avi"]?["last"] as? Int == 11)

        // The photos' faces equal `moodwire analyze`'s: same boxes, same probabilities.
        let expected = try StackTestSupport.analyze(photos, in: directory)
        let recorded = try StackTestSupport.query(
            database,
            """
            SELECT f.seq, f.width, f.height, f.face_count, r.face_index, r.x, r.y, r.w, r.h, r.emotion,
                   r.angry, r.disgust, r.fear, r.happy, r.sad, r.surprise, r.neutral
            FROM frames f LEFT JOIN faces r ON r.frame_id = f.id
            WHERE f.source = 'faces' ORDER BY f.seq, r.face_index
            """, in: directory)
        var totalFaces = 0
        for (seq, photo) in photos.enumerated() {
            let name = URL(fileURLWithPath: photo).lastPathComponent
            let wanted = expected[name] ?? []
            let rows = recorded.filter { $0["seq"] as? Int == seq && !($0["face_index"] is NSNull) }
            #expect(rows.count == wanted.count, "\(name): \(rows.count) faces recorded, analyze finds \(wanted.count)")
            totalFaces += wanted.count
            for (row, face) in zip(rows, wanted) {
                let box = face["box"] as! [String: Int]
                #expect(
                    [row["x"], row["y"], row["w"], row["h"]].map { $0 as? Int } == [box["x"], box["y"], box["w"], box["h"]],
                    "\(name): box")
                #expect(row["emotion"] as? String == face["emotion"] as? String, "\(name): emotion")
                let probabilities = face["probabilities"] as! [String: Double]
                for (emotion, probability) in probabilities {
                    let stored = row[emotion] as? Double ?? -1
                    #expect(abs(stored - probability) < 1e-6, "\(name): \(emotion) \(stored) vs \(probability)")
                }
            }
        }
        #expect(totalFaces > 10)
        // Frames without faces are recorded too, with their size.
        let clip = try StackTestSupport.query(
            database, "SELECT count(*) AS n, max(face_count) AS faces, min(width) AS w, min(height) AS h FROM frames WHERE source = 'clip.avi'",
            in: directory)
        #expect(clip.first?["n"] as? Int == 12)
        #expect(clip.first?["faces"] as? Int == 0)
        #expect(clip.first?["w"] as? Int == 640 && clip.first?["h"] as? Int == 480)

        // Playing the same sources into the same database adds nothing.
        let again = try StackTestSupport.run(
            "moodwire",
            [
                "up", "--source", "faces=\(StackTestSupport.sharedData)/faces", "--db", database,
                "--base-port", "\(StackTestSupport.basePort())", "--no-web"
            ], in: directory)
        #expect(again.status == 0, "second run failed: \(again.stderr)")
        let count = try StackTestSupport.query(database, "SELECT count(*) AS n FROM frames", in: directory)
        #expect(count.first?["n"] as? Int == photos.count + 12)
    }

    @Test func pythonClientFeedsFramesAndReadsResults() throws {
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/results.db"
        let port = StackTestSupport.basePort()
        let (up, _, upErrors) = try StackTestSupport.start(
            "moodwire", ["up", "--db", database, "--base-port", "\(port)", "--no-web"],
            in: directory)
        defer { if up.isRunning { kill(up.processIdentifier, SIGKILL) } }
        // Malformed messages first, into the stages' own queues: each is counted and dropped, and
        // the stages carry on with the good frames that follow.
        let context = ZMQContext()
        let endpoints = PipelineEndpoints(basePort: port)
        for queue in [PipelineEndpoints.Queue.framesIn, .facesIn, .results] {
            let socket = try ZMQSocket(context, .push)
            try socket.connect(endpoints.connect(queue))
            let header = FrameHeader(kind: .frame, source: "bad", seq: 1, capturedAt: 0).encoded()
            for message in [
                [[UInt8]("garbage".utf8)], [header], [header, [1], [2], [3]], [Array(header.prefix(40))],
                FrameHeader(kind: .ack, source: "bad", seq: 2, capturedAt: 0).parts3
            ] {
                #expect(try socket.send(message, timeoutMilliseconds: 5000))
            }
        }
        let photos = Array(StackTestSupport.facePhotos.prefix(3))
        let client = try StackTestSupport.run(
            "/usr/bin/python3",
            [
                StackTestSupport.repositoryRoot.path + "/examples/pyzmq_client.py", "--base-port", "\(port)",
                "--source", "python", "--first-seq", "100", "--timeout", "60"
            ] + photos, in: directory)
        #expect(client.status == 0, "client failed: \(client.stderr)")
        let lines = client.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == photos.count)
        let expected = try StackTestSupport.analyze(photos, in: directory)
        for line in lines {
            let name = URL(fileURLWithPath: line["image"] as! String).lastPathComponent
            let faces = line["faces"] as! [[String: Any]]
            #expect(faces.count == expected[name]?.count, "\(name)")
            for (face, wanted) in zip(faces, expected[name] ?? []) {
                #expect(face["box"] as? [String: Int] == wanted["box"] as? [String: Int])
                #expect(face["emotion"] as? String == wanted["emotion"] as? String)
                // BlazeFace's score and keypoints come through the wire protocol.
                let score = try #require(face["score"] as? Double), wantedScore = try #require(wanted["score"] as? Double)
                #expect(abs(score - wantedScore) < 0.002)
                #expect((face["keypoints"] as? [String: [Double]])?.keys.sorted() == (wanted["keypoints"] as? [String: [Double]])?.keys.sorted())
            }
        }
        // Ctrl-C stops the stack cleanly and the frames are in the database.
        kill(up.processIdentifier, SIGINT)
        try StackTestSupport.wait(for: up, timeout: .seconds(60))
        #expect(up.terminationStatus == 0, "up: \((try? String(contentsOfFile: upErrors, encoding: .utf8)) ?? "")")
        let rows = try StackTestSupport.query(database, "SELECT min(seq) AS first, count(*) AS n FROM frames WHERE source = 'python'", in: directory)
        #expect(rows.first?["n"] as? Int == photos.count)
        #expect(rows.first?["first"] as? Int == 100)
    }
}

extension FrameHeader {
    /// A message of this header with two empty payload parts.
    var parts3: [[UInt8]] { [encoded(), [], []] }
}
