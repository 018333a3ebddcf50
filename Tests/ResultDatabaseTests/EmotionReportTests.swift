import Foundation
import Logging
import ResultDatabase
import Results
import SQLite
import TestSupport
import Testing

@Suite struct EmotionReportTests {
    /// 2023-11-14 22:14:00 UTC, a whole minute (and a whole 2 minutes).
    private static let minute: Double = 1_700_000_040

    /// A results database filled by hand: frames with chosen capture times and faces with chosen
    /// emotions (the probabilities do not matter to the report).
    ///
    /// cam1: 22:14:05 happy, happy, sad; 22:14:59.999999 neutral; 22:15:00 angry; 22:15:01 no face.
    /// cam2: 22:14:10 surprise.
    private func handBuiltDatabase(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("results.db").path
        _ = try ResultStore(path: path, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let database = try Database(path: path)
        let frame = try database.prepare(
            """
            INSERT INTO frames (source, seq, captured_at, processed_at, width, height, face_count)
            VALUES (?1, ?2, ?3, ?3, 640, 480, ?4)
            """)
        let face = try database.prepare(
            """
            INSERT INTO faces VALUES (?1, ?2, 0, 0, 10, 10, ?3, 0.5, 0, 0, 0, 0, 0, 0, 0, NULL, NULL)
            """)
        let frames: [(source: String, offset: Double, emotions: [Emotion])] = [
            ("cam1", 5, [.happy, .happy, .sad]), ("cam1", 59.999999, [.neutral]), ("cam1", 60, [.angry]), ("cam1", 61, []),
            ("cam2", 10, [.surprise])
        ]
        for (seq, entry) in frames.enumerated() {
            try frame.bind(entry.source, at: 1)
            try frame.bind(seq, at: 2)
            try frame.bind(Self.minute + entry.offset, at: 3)
            try frame.bind(entry.emotions.count, at: 4)
            try frame.step()
            frame.reset()
            let frameID = database.lastInsertRowID
            for (index, emotion) in entry.emotions.enumerated() {
                try face.bind(frameID, at: 1)
                try face.bind(index, at: 2)
                try face.bind(emotion.rawValue, at: 3)
                try face.step()
                face.reset()
            }
        }
        return path
    }

    private func tally(frames: Int, _ counts: [Emotion: Int]) -> EmotionReport.Tally {
        EmotionReport.Tally(frames: frames, counts: Emotion.allCases.map { counts[$0] ?? 0 })
    }

    @Test func countsAndSharesPerSourceAndMinute() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let report = try EmotionReport.make(databasePath: try handBuiltDatabase(in: directory))
        let start = Int64(Self.minute)
        #expect(
            report
                == EmotionReport(
                    bucketSeconds: 60,
                    sources: [
                        .init(
                            source: "cam1",
                            buckets: [
                                .init(start: start, tally: tally(frames: 2, [.happy: 2, .sad: 1, .neutral: 1])),
                                .init(start: start + 60, tally: tally(frames: 2, [.angry: 1]))
                            ],
                            total: tally(frames: 4, [.happy: 2, .sad: 1, .neutral: 1, .angry: 1])),
                        .init(
                            source: "cam2", buckets: [.init(start: start, tally: tally(frames: 1, [.surprise: 1]))],
                            total: tally(frames: 1, [.surprise: 1]))
                    ]))
        let first = report.sources[0].buckets[0].tally
        #expect(first.faces == 4)
        #expect(first.share(of: .happy) == 0.5)
        #expect(first.share(of: .neutral) == 0.25)
        #expect(first.share(of: .fear) == 0)
        #expect(report.sources[0].total.share(of: .angry) == 0.2)
        #expect(EmotionReport.Tally(frames: 3).share(of: .happy) == nil, "no faces, no share")
    }

    @Test func bucketLengthAndSourceFilter() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = try handBuiltDatabase(in: directory)
        let twoMinutes = try EmotionReport.make(databasePath: path, bucketSeconds: 120, source: "cam1")
        #expect(twoMinutes.sources.map(\.source) == ["cam1"])
        #expect(
            twoMinutes.sources[0].buckets == [
                .init(start: Int64(Self.minute), tally: tally(frames: 4, [.happy: 2, .sad: 1, .neutral: 1, .angry: 1]))
            ])
        #expect(try EmotionReport.make(databasePath: path, source: "nobody").sources.isEmpty)
    }

    @Test func textHasABlockPerSourceWithATotalLine() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let text = try EmotionReport.make(databasePath: try handBuiltDatabase(in: directory)).text()
        #expect(
            text == """
                source cam1
                minute (UTC)          frames    faces   angry  disgust    fear   happy     sad  surprise  neutral
                2023-11-14 22:14           2        4    0.0%     0.0%    0.0%   50.0%   25.0%      0.0%    25.0%
                2023-11-14 22:15           2        1  100.0%     0.0%    0.0%    0.0%    0.0%      0.0%     0.0%
                total                      4        5   20.0%     0.0%    0.0%   40.0%   20.0%      0.0%    20.0%

                source cam2
                minute (UTC)          frames    faces   angry  disgust    fear   happy     sad  surprise  neutral
                2023-11-14 22:14           1        1    0.0%     0.0%    0.0%    0.0%    0.0%    100.0%     0.0%
                total                      1        1    0.0%     0.0%    0.0%    0.0%    0.0%    100.0%     0.0%
                """)
    }

    @Test func jsonHoldsCountsAndShares() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let report = try EmotionReport.make(databasePath: try handBuiltDatabase(in: directory), source: "cam2")
        #expect(
            report.json() == """
                {"bucket_seconds":60,"sources":[{"source":"cam2","buckets":[{"start":1700000040,"start_time":"2023-11-14T22:14:00Z",\
                "frames":1,"faces":1,"counts":{"angry":0,"disgust":0,"fear":0,"happy":0,"sad":0,"surprise":1,"neutral":0},\
                "shares":{"angry":0,"disgust":0,"fear":0,"happy":0,"sad":0,"surprise":1,"neutral":0}}],\
                "total":{"frames":1,"faces":1,"counts":{"angry":0,"disgust":0,"fear":0,"happy":0,"sad":0,"surprise":1,"neutral":0},\
                "shares":{"angry":0,"disgust":0,"fear":0,"happy":0,"sad":0,"surprise":1,"neutral":0}}}]}
                """)
        #expect(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) is [String: Any])
    }

    @Test func refusesMissingAndNewerDatabases() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let missing = directory.appendingPathComponent("missing.db").path
        let noFile = try #require(throws: ResultDatabaseError.self) { try EmotionReport.make(databasePath: missing) }
        #expect(noFile.description == "no database at \(missing)")
        #expect(!FileManager.default.fileExists(atPath: missing))

        let path = try handBuiltDatabase(in: directory)
        try Database(path: path).execute("PRAGMA user_version = 3")
        let newer = try #require(throws: ResultDatabaseError.self) { try EmotionReport.make(databasePath: path) }
        guard case .newerSchema(path, found: 3, supported: 2) = newer else {
            Issue.record("expected newerSchema, got \(newer)")
            return
        }
    }
}
