import Foundation
import Results
import SQLite

/// Read-only queries behind the history page and the results API. Every value from a request is
/// bound as a parameter; no SQL is built from request strings. Each call opens the database
/// read-only (SQLITE_OPEN_READONLY), so the web service can never write to it.
struct ResultsReader: Sendable {
    let databasePath: String

    /// The filters a request may give, validated.
    struct Filter: Sendable {
        var source: String?
        /// Unix seconds, inclusive.
        var since: Double?
        /// Unix seconds, exclusive.
        var until: Double?
    }

    private func open() throws(APIError) -> Database? {
        guard FileManager.default.fileExists(atPath: databasePath) else { return nil }
        do {
            return try Database(path: databasePath, configuration: .init(access: .readOnly))
        } catch {
            throw APIError(.serviceUnavailable, "the results database cannot be opened")
        }
    }

    private func run(_ sql: String, _ filter: Filter, extra: [SQLiteValue] = [], row: (Statement) -> Void) throws(APIError) {
        guard let database = try open() else { return }
        do {
            let statement = try database.prepare(sql)
            let values: [SQLiteValue] =
                [
                    filter.source.map(SQLiteValue.text) ?? .null, filter.source.map(SQLiteValue.text) ?? .null,
                    filter.since.map(SQLiteValue.real) ?? .null, filter.since.map(SQLiteValue.real) ?? .null,
                    filter.until.map(SQLiteValue.real) ?? .null, filter.until.map(SQLiteValue.real) ?? .null
                ] + extra
            for (index, value) in values.enumerated() { try statement.bind(value, at: index + 1) }
            while try statement.step() { row(statement) }
        } catch {
            throw APIError(.serviceUnavailable, "the results database could not be read")
        }
    }

    /// `?1..?6`: the filter as SQL over a table with `source` and `captured_at`.
    private static let filterClause = "(?1 IS NULL OR source = ?2) AND (?3 IS NULL OR captured_at >= ?4) AND (?5 IS NULL OR captured_at < ?6)"

    struct SourceSummary: Encodable {
        let source: String
        let frames: Int
        let faces: Int
        let first_captured_at: Double
        let last_captured_at: Double
    }

    func sources() throws(APIError) -> [SourceSummary] {
        var sources: [SourceSummary] = []
        try run(
            "SELECT source, count(*), sum(face_count), min(captured_at), max(captured_at) FROM frames WHERE "
                + Self.filterClause + " GROUP BY source ORDER BY source", Filter()
        ) { row in
            sources.append(
                SourceSummary(
                    source: row.string(at: 0), frames: Int(row.int64(at: 1)), faces: Int(row.int64(at: 2)),
                    first_captured_at: row.double(at: 3), last_captured_at: row.double(at: 4)))
        }
        return sources
    }

    struct FaceRow: Encodable {
        struct Box: Encodable { let x, y, w, h: Int }
        let source: String
        let seq: Int64
        let captured_at: Double
        let captured_time: String
        let face_index: Int
        let box: Box
        let emotion: String
        let confidence: Double
        let probabilities: [String: Double]
    }

    /// Faces, newest first.
    func faces(_ filter: Filter, limit: Int, offset: Int) throws(APIError) -> [FaceRow] {
        var rows: [FaceRow] = []
        let columns = Emotion.allCases.map(\.rawValue).joined(separator: ", ")
        try run(
            "SELECT source, seq, captured_at, captured_time, face_index, x, y, w, h, emotion, confidence, \(columns) "
                + "FROM face_results WHERE " + Self.filterClause + " ORDER BY captured_at DESC, source, seq DESC, face_index LIMIT ?7 OFFSET ?8",
            filter, extra: [.integer(Int64(limit)), .integer(Int64(offset))]
        ) { row in
            rows.append(
                FaceRow(
                    source: row.string(at: 0), seq: row.int64(at: 1), captured_at: row.double(at: 2),
                    captured_time: row.string(at: 3), face_index: Int(row.int64(at: 4)),
                    box: .init(x: Int(row.int64(at: 5)), y: Int(row.int64(at: 6)), w: Int(row.int64(at: 7)), h: Int(row.int64(at: 8))),
                    emotion: row.string(at: 9), confidence: row.double(at: 10),
                    probabilities: Dictionary(uniqueKeysWithValues: Emotion.allCases.enumerated().map { ($1.rawValue, row.double(at: 11 + $0)) })))
        }
        return rows
    }

    struct Bucket: Encodable {
        let start: Double
        let faces: Int
        let counts: [String: Int]
    }

    struct SourceHistory: Encodable {
        let source: String
        var buckets: [Bucket]
    }

    /// Faces per emotion in buckets of `bucketSeconds`, per source.
    func history(_ filter: Filter, bucketSeconds: Int) throws(APIError) -> [SourceHistory] {
        var sources: [SourceHistory] = []
        try run(
            "SELECT source, CAST(captured_at / ?7 AS INTEGER) * ?7 AS bucket, emotion, count(*) FROM face_results WHERE "
                + Self.filterClause + " GROUP BY source, bucket, emotion ORDER BY source, bucket",
            filter, extra: [.integer(Int64(bucketSeconds))]
        ) { row in
            let source = row.string(at: 0), start = row.double(at: 1), emotion = row.string(at: 2), count = Int(row.int64(at: 3))
            if sources.last?.source != source { sources.append(SourceHistory(source: source, buckets: [])) }
            var buckets = sources[sources.count - 1].buckets
            if buckets.last?.start != start { buckets.append(Bucket(start: start, faces: 0, counts: [:])) }
            let last = buckets[buckets.count - 1]
            var counts = last.counts
            counts[emotion, default: 0] += count
            buckets[buckets.count - 1] = Bucket(start: start, faces: last.faces + count, counts: counts)
            sources[sources.count - 1].buckets = buckets
        }
        return sources
    }
}
