import CSQLite
import Foundation
import Imaging
import Logging
import PipelineProtocol
import SQLite
import TestSupport
import Testing

@testable import ResultDatabase

@Suite struct ResultStoreTests {
    private let logger = Logger(label: "moodwire.recorder.tests") { _ in SwiftLogNoOpLogHandler() }

    /// Every row of `sql` as values.
    private func rows(_ path: String, _ sql: String) throws -> [[SQLiteValue]] {
        let statement = try Database(path: path, configuration: .init(access: .readOnly)).prepare(sql)
        var rows: [[SQLiteValue]] = []
        while try statement.step() { rows.append((0..<statement.columnCount).map { statement.value(at: $0) }) }
        return rows
    }

    @Test func createsTheSchemaInWALModeWithVersion2() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        let store = try ResultStore(path: path, logger: logger)
        #expect(try store.counts() == (0, 0))
        #expect(
            try rows(path, "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name") == [
                [.text("view"), .text("face_results")], [.text("table"), .text("faces")],
                [.text("index"), .text("faces_by_emotion")], [.text("table"), .text("frames")],
                [.text("index"), .text("frames_by_source_time")], [.text("index"), .text("frames_by_time")]
            ])
        #expect(try rows(path, "PRAGMA user_version") == [[.integer(2)]])
        #expect(try rows(path, "PRAGMA journal_mode") == [[.text("wal")]])
        #expect(try rows(path, "SELECT name FROM pragma_index_info('frames_by_source_time')") == [[.text("source")], [.text("captured_at")]])
        #expect(try rows(path, "SELECT name FROM pragma_index_info('faces_by_emotion')") == [[.text("emotion")]])
        #expect(try rows(path, "SELECT \"unique\" FROM pragma_index_list('frames') WHERE origin = 'u'") == [[.integer(1)]])
    }

    @Test func recordsFrameFieldsAndFacesWithTheirTopEmotion() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        let store = try ResultStore(path: path, logger: logger)
        // Happy and sad tie at 0.3: the first in FER2013 order wins.
        let tie: [Float] = [0.1, 0.05, 0.05, 0.3, 0.3, 0.1, 0.1]
        let neutral: [Float] = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.79]
        let message = resultsMessage(
            seq: 7, capturedAt: 1_700_000_045_250_000,
            faces: [
                (PixelRect(x: 1, y: 2, width: 30, height: 31), tie),
                (PixelRect(x: 100, y: 120, width: 60, height: 61), neutral)
            ], detectMicros: 21_500, classifyMicros: 0)
        #expect(try store.record([message], processedAt: 1_700_000_046_000_000) == [true])

        #expect(
            try rows(path, "SELECT source, seq, captured_at, processed_at, width, height, face_count, detect_ms, classify_ms FROM frames")
                == [
                    [
                        .text("cam1"), .integer(7), .real(1_700_000_045.25), .real(1_700_000_046), .integer(640), .integer(480),
                        .integer(2), .real(21.5), .null
                    ]
                ])
        let faces = try rows(
            path,
            "SELECT face_index, x, y, w, h, emotion, confidence, angry, disgust, fear, happy, sad, surprise, neutral FROM faces ORDER BY face_index")
        let tieValues: [SQLiteValue] = tie.map { .real(Double($0)) }
        let neutralValues: [SQLiteValue] = neutral.map { .real(Double($0)) }
        let firstFace: [SQLiteValue] = [.integer(0), .integer(1), .integer(2), .integer(30), .integer(31), .text("happy"), .real(Double(Float(0.3)))]
        let secondFace: [SQLiteValue] = [
            .integer(1), .integer(100), .integer(120), .integer(60), .integer(61), .text("neutral"), .real(Double(Float(0.79)))
        ]
        #expect(faces == [firstFace + tieValues, secondFace + neutralValues])
    }

    @Test func recordingTheSameFrameAgainChangesNothing() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        let store = try ResultStore(path: path, logger: logger)
        let first = resultsMessage(seq: 1, faces: [(PixelRect(x: 0, y: 0, width: 10, height: 10), probabilities(favouring: .happy))])
        #expect(try store.record([first], processedAt: 1) == [true])
        #expect(try store.record([first], processedAt: 2) == [false])
        // A re-sent frame with other faces keeps what was recorded first.
        let resent = resultsMessage(
            seq: 1,
            faces: [
                (PixelRect(x: 5, y: 5, width: 10, height: 10), probabilities(favouring: .sad)),
                (PixelRect(x: 50, y: 5, width: 10, height: 10), probabilities(favouring: .sad))
            ])
        // In one batch: new, already recorded, and the same new frame twice.
        let other = resultsMessage(seq: 2, faces: [(PixelRect(x: 1, y: 1, width: 9, height: 9), probabilities(favouring: .fear))])
        let sameSeqOtherSource = resultsMessage(source: "cam2", seq: 1)
        #expect(try store.record([other, resent, other, sameSeqOtherSource], processedAt: 3) == [true, false, false, true])

        #expect(try store.counts() == (3, 2))
        #expect(
            try rows(path, "SELECT source, seq, processed_at, face_count FROM frames ORDER BY id") == [
                [.text("cam1"), .integer(1), .real(1e-6), .integer(1)],
                [.text("cam1"), .integer(2), .real(3e-6), .integer(1)],
                [.text("cam2"), .integer(1), .real(3e-6), .integer(0)]
            ])
        #expect(
            try rows(path, "SELECT seq, x, emotion FROM face_results ORDER BY seq") == [
                [.integer(1), .integer(0), .text("happy")], [.integer(2), .integer(1), .text("fear")]
            ])
    }

    @Test func aFrameWithoutFacesIsAFrameRowWithFaceCountZero() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        let store = try ResultStore(path: path, logger: logger)
        #expect(try store.record([resultsMessage(seq: 0, detectMicros: 0)], processedAt: 5_000_000) == [true])
        #expect(try store.counts() == (1, 0))
        #expect(try rows(path, "SELECT seq, face_count, detect_ms FROM frames") == [[.integer(0), .integer(0), .null]])
    }

    @Test func aFailingBatchRecordsNothing() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let store = try ResultStore(path: directory.appendingPathComponent("results.db").path, logger: logger)
        let good = resultsMessage(seq: 1, faces: [(PixelRect(x: 0, y: 0, width: 10, height: 10), probabilities(favouring: .angry))])
        // SQLite stores a NaN as NULL, which the NOT NULL columns refuse (the wire protocol rejects NaN).
        var nan = probabilities(favouring: .angry)
        nan[2] = .nan
        let bad = resultsMessage(seq: 2, faces: [(PixelRect(x: 0, y: 0, width: 10, height: 10), nan)])
        let error = try #require(throws: SQLiteError.self) { try store.record([good, bad], processedAt: 1) }
        #expect(error.code == SQLITE_CONSTRAINT)
        #expect(error.message == "NOT NULL constraint failed: faces.fear")
        #expect(try store.counts() == (0, 0))
        #expect(try store.record([good], processedAt: 2) == [true], "the store is usable after a failed batch")
    }

    @Test func faceResultsViewJoinsEachFaceWithItsFrame() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        let store = try ResultStore(path: path, logger: logger)
        let surprise = probabilities(favouring: .surprise)
        try store.record(
            [
                resultsMessage(
                    source: "door", seq: 3, capturedAt: 1_700_000_045_250_000,
                    faces: [(PixelRect(x: 4, y: 5, width: 6, height: 7), surprise)])
            ], processedAt: 0)
        let statement = try Database(path: path, configuration: .init(access: .readOnly)).prepare("SELECT * FROM face_results")
        #expect(
            (0..<statement.columnCount).map { statement.columnName(at: $0) } == [
                "source", "seq", "captured_at", "captured_time", "face_index", "x", "y", "w", "h", "emotion", "confidence",
                "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "score", "keypoints"
            ])
        #expect(try statement.step())
        let values = (0..<statement.columnCount).map { statement.value(at: $0) }
        let frameAndFace: [SQLiteValue] = [
            .text("door"), .integer(3), .real(1_700_000_045.25), .text("2023-11-14 22:14:05.250"),
            .integer(0), .integer(4), .integer(5), .integer(6), .integer(7), .text("surprise"),
            .real(Double(Float(0.7)))
        ]
        let surpriseValues: [SQLiteValue] = surprise.map { .real(Double($0)) }
        #expect(values == frameAndFace + surpriseValues + [.null, .null], "a Haar face has no score and no keypoints")
        #expect(try statement.step() == false)
    }

    @Test func blazeFaceScoresAndKeypointsAreStoredForSQL() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        let store = try ResultStore(path: path, logger: logger)
        let face = DetectedFace(
            box: PixelRect(x: 40, y: 50, width: 60, height: 60), score: 0.9375,
            keypoints: (0..<6).map { FramePoint(x: 50 + 8 * Float($0) + 0.25, y: 70 - Float($0)) })
        let header = FrameHeader(kind: .results, source: "cam", seq: 1, capturedAt: 1_700_000_000_000_000, width: 640, height: 480)
        try store.record(
            [ResultsMessage(header: header, faces: [face], probabilities: probabilities(favouring: .happy))], processedAt: 0)
        #expect(
            try rows(
                path, "SELECT score, json_extract(keypoints, '$.right_eye[0]'), json_extract(keypoints, '$.left_ear_tragion[1]') FROM face_results")
                == [[.real(0.9375), .real(50.25), .real(65)]])
        #expect(
            try rows(path, "SELECT keypoints FROM faces") == [
                [
                    .text(
                        #"{"right_eye":[50.25,70.00],"left_eye":[58.25,69.00],"nose_tip":[66.25,68.00],"mouth_center":[74.25,67.00],"right_ear_tragion":[82.25,66.00],"left_ear_tragion":[90.25,65.00]}"#
                    )
                ]
            ])
    }

    @Test func keypointsAreWrittenToTheHundredthOfAPixel() {
        func text(_ values: [Float]) -> String {
            values.map { value in
                var bytes: [UInt8] = []
                ResultStore.appendHundredths(value, to: &bytes)
                return String(decoding: bytes, as: UTF8.self)
            }.joined(separator: " ")
        }
        #expect(
            text([0, 1, -1, 0.004, -0.004, -0.006, 12.345_6, -3.5, 1234.567, 99.995]) == "0.00 1.00 -1.00 0.00 0.00 -0.01 12.35 -3.50 1234.57 100.00")
    }

    /// A version 1 file (before scores and keypoints) is upgraded by the first writer: its faces
    /// keep their values and get NULLs, new faces get their scores.
    @Test func aVersion1DatabaseIsUpgradedInPlace() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        do {
            let old = try Database(path: path)
            try old.execute(
                """
                CREATE TABLE frames (id INTEGER PRIMARY KEY, source TEXT NOT NULL, seq INTEGER NOT NULL, captured_at REAL NOT NULL,
                    processed_at REAL NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, face_count INTEGER NOT NULL,
                    detect_ms REAL, classify_ms REAL, UNIQUE (source, seq));
                CREATE INDEX frames_by_source_time ON frames (source, captured_at);
                CREATE INDEX frames_by_time ON frames (captured_at);
                CREATE TABLE faces (frame_id INTEGER NOT NULL REFERENCES frames (id), face_index INTEGER NOT NULL,
                    x INTEGER NOT NULL, y INTEGER NOT NULL, w INTEGER NOT NULL, h INTEGER NOT NULL, emotion TEXT NOT NULL,
                    confidence REAL NOT NULL, angry REAL NOT NULL, disgust REAL NOT NULL, fear REAL NOT NULL, happy REAL NOT NULL,
                    sad REAL NOT NULL, surprise REAL NOT NULL, neutral REAL NOT NULL, PRIMARY KEY (frame_id, face_index)) WITHOUT ROWID;
                CREATE INDEX faces_by_emotion ON faces (emotion);
                CREATE VIEW face_results AS SELECT frames.source, frames.seq, faces.emotion FROM faces JOIN frames ON frames.id = faces.frame_id;
                INSERT INTO frames VALUES (1, 'old', 0, 1.0, 1.0, 640, 480, 1, NULL, NULL);
                INSERT INTO faces VALUES (1, 0, 1, 2, 3, 4, 'sad', 0.7, 0.05, 0.05, 0.05, 0.05, 0.7, 0.05, 0.05);
                PRAGMA user_version = 1;
                """)
        }
        #expect(try EmotionReport.make(databasePath: path).sources.map(\.total.faces) == [1], "readers read version 1")
        let store = try ResultStore(path: path, logger: logger)
        #expect(try rows(path, "PRAGMA user_version") == [[.integer(2)]])
        let header = FrameHeader(kind: .results, source: "new", seq: 0, capturedAt: 2_000_000, width: 640, height: 480)
        try store.record(
            [
                ResultsMessage(
                    header: header, faces: [DetectedFace(box: PixelRect(x: 1, y: 1, width: 9, height: 9), score: 0.5)],
                    probabilities: probabilities(favouring: .fear))
            ],
            processedAt: 0)
        #expect(
            try rows(path, "SELECT source, emotion, score, keypoints FROM face_results ORDER BY source") == [
                [.text("new"), .text("fear"), .real(0.5), .null], [.text("old"), .text("sad"), .null, .null]
            ])
    }

    @Test func aReopenedStoreKeepsItsData() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        let face = (box: PixelRect(x: 0, y: 0, width: 10, height: 10), probabilities: probabilities(favouring: .disgust))
        do {
            let store = try ResultStore(path: path, logger: logger)
            try store.record([resultsMessage(seq: 1, faces: [face]), resultsMessage(seq: 2)], processedAt: 1)
        }
        let reopened = try ResultStore(path: path, logger: logger)
        #expect(try reopened.counts() == (2, 1))
        #expect(try reopened.record([resultsMessage(seq: 1, faces: [face]), resultsMessage(seq: 3, faces: [face])], processedAt: 2) == [false, true])
        #expect(try reopened.counts() == (3, 2))
    }

    @Test func refusesANewerSchemaVersion() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("results.db").path
        _ = try ResultStore(path: path, logger: logger)
        try Database(path: path).execute("PRAGMA user_version = 3")

        let error = try #require(throws: ResultDatabaseError.self) { try ResultStore(path: path, logger: logger) }
        guard case .newerSchema(path, found: 3, supported: 2) = error else {
            Issue.record("expected newerSchema, got \(error)")
            return
        }
        #expect(error.description == "\(path) has results schema version 3, newer than this build's 2; upgrade Moodwire to use it")
    }

    @Test func refusesAnotherApplicationsDatabaseWithoutTouchingIt() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("other.db").path
        try Database(path: path).execute("CREATE TABLE notes(text)")

        let error = try #require(throws: ResultDatabaseError.self) { try ResultStore(path: path, logger: logger) }
        guard case .notAResultsDatabase(path, userVersion: 0) = error else {
            Issue.record("expected notAResultsDatabase, got \(error)")
            return
        }
        #expect(try rows(path, "SELECT name FROM sqlite_schema") == [[.text("notes")]])
        #expect(try rows(path, "PRAGMA journal_mode") == [[.text("delete")]])
    }
}
