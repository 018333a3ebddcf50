import Imaging
import Logging
import PipelineProtocol
import Results
import SQLite

/// Writes the pipeline's results into the results database (see `ResultSchema` for the layout).
///
/// Holds one SQLite connection and its two insert statements, compiled once and reused for every
/// row, so it is not thread-safe: one store per thread. Several stores (even in several processes)
/// may write the same file; SQLite serializes their transactions and the busy timeout makes them wait
/// for each other.
public final class ResultStore {
    public let path: String
    private let database: Database
    private let insertFrame: Statement
    private let insertFace: Statement

    /// Opens the database at `path`, creating the file and the schema if needed.
    public init(path: String, logger: Logger) throws(ResultDatabaseError) {
        do {
            database = try Database(path: path)
        } catch {
            throw .sqlite(error)
        }
        try ResultSchema.prepareForWriting(database, logger: logger)
        do {
            insertFrame = try database.prepare(
                """
                INSERT INTO frames (source, seq, captured_at, processed_at, width, height, face_count, detect_ms, classify_ms)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                ON CONFLICT (source, seq) DO NOTHING
                """)
            insertFace = try database.prepare(
                """
                INSERT INTO faces (frame_id, face_index, x, y, w, h, emotion, confidence,
                                   angry, disgust, fear, happy, sad, surprise, neutral, score, keypoints)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                """)
        } catch {
            throw .sqlite(error)
        }
        self.path = path
    }

    /// Records `results` in one transaction (all or none) and returns, for each, whether it was
    /// new. A frame already recorded (same source and seq, e.g. re-sent by the ingest after a lost
    /// acknowledgement) is left as it is, faces included, and reported as false; a frame without
    /// faces is a `frames` row with `face_count` 0.
    ///
    /// - Parameter processedAt: microseconds since the Unix epoch, stored as every frame's
    ///   `processed_at`.
    @discardableResult
    public func record(_ results: [ResultsMessage], processedAt: Int64) throws(SQLiteError) -> [Bool] {
        let processedSeconds = Double(processedAt) / 1e6
        return try database.transaction { () throws(SQLiteError) -> [Bool] in
            var recorded: [Bool] = []
            recorded.reserveCapacity(results.count)
            for message in results {
                recorded.append(try insert(message, processedAt: processedSeconds))
            }
            return recorded
        }
    }

    /// Inserts one frame and, if it was new, its faces. Returns whether it was new.
    private func insert(_ message: ResultsMessage, processedAt: Double) throws(SQLiteError) -> Bool {
        let header = message.header
        try insertFrame.bind(header.source, at: 1)
        // Stored as its bit pattern: seqs count frames from 0 and never reach 2^63.
        try insertFrame.bind(Int64(bitPattern: header.seq), at: 2)
        try insertFrame.bind(Double(header.capturedAt) / 1e6, at: 3)
        try insertFrame.bind(processedAt, at: 4)
        try insertFrame.bind(header.width, at: 5)
        try insertFrame.bind(header.height, at: 6)
        try insertFrame.bind(message.faces.count, at: 7)
        try bindMilliseconds(header.detectMicros, at: 8)
        try bindMilliseconds(header.classifyMicros, at: 9)
        defer { insertFrame.reset() }
        try insertFrame.step()
        guard database.changes == 1 else { return false }

        let frameID = database.lastInsertRowID
        let probabilities = message.probabilities
        let emotionCount = Emotion.allCases.count
        for (faceIndex, face) in message.faces.enumerated() {
            let box = face.box
            let first = faceIndex * emotionCount
            var top = first
            for index in first + 1..<first + emotionCount where probabilities[index] > probabilities[top] { top = index }
            try insertFace.bind(frameID, at: 1)
            try insertFace.bind(faceIndex, at: 2)
            try insertFace.bind(box.x, at: 3)
            try insertFace.bind(box.y, at: 4)
            try insertFace.bind(box.width, at: 5)
            try insertFace.bind(box.height, at: 6)
            try insertFace.bind(Emotion(index: top - first)!.rawValue, at: 7)
            try insertFace.bind(Double(probabilities[top]), at: 8)
            for emotion in 0..<emotionCount {
                try insertFace.bind(Double(probabilities[first + emotion]), at: 9 + emotion)
            }
            if let score = face.score { try insertFace.bind(Double(score), at: 16) } else { try insertFace.bindNull(at: 16) }
            if face.keypoints.isEmpty { try insertFace.bindNull(at: 17) } else { try insertFace.bind(Self.keypointsJSON(face.keypoints), at: 17) }
            defer { insertFace.reset() }
            try insertFace.step()
        }
        return true
    }

    /// The keypoint names as they open each JSON member, `"right_eye":[`, encoded once.
    private static let keypointKeys = DetectedFace.keypointNames.map { Array("\"\($0)\":[".utf8) }

    /// `{"right_eye":[x,y],...}` with coordinates to 1/100 pixel (finer is noise), written byte by
    /// byte: `String(format:)` made the recorder ten times slower.
    static func keypointsJSON(_ points: [FramePoint]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(200)
        for (index, point) in points.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += keypointKeys[index]
            appendHundredths(point.x, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            appendHundredths(point.y, to: &bytes)
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `value` with two decimals (half away from zero), e.g. -3.5 as `-3.50`.
    static func appendHundredths(_ value: Float, to bytes: inout [UInt8]) {
        let hundredths = Int((Double(value) * 100).rounded())
        if hundredths < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = hundredths.magnitude
        // The whole part's digits, last first, then turned around.
        let start = bytes.count
        var whole = magnitude / 100
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(whole % 10))
            whole /= 10
        } while whole > 0
        bytes[start...].reverse()
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude / 10 % 10))
        bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
    }

    /// A stage's time in milliseconds, or NULL when it reported 0 µs (it did not time the frame).
    private func bindMilliseconds(_ micros: UInt32, at index: Int) throws(SQLiteError) {
        if micros == 0 {
            try insertFrame.bindNull(at: index)
        } else {
            try insertFrame.bind(Double(micros) / 1000, at: index)
        }
    }

    /// Rows in `frames` and `faces` (counting scans the tables: for start-up and tests, not per frame).
    public func counts() throws(SQLiteError) -> (frames: Int, faces: Int) {
        let statement = try database.prepare("SELECT (SELECT count(*) FROM frames), (SELECT count(*) FROM faces)")
        try statement.step()
        return (Int(statement.int64(at: 0)), Int(statement.int64(at: 1)))
    }
}
