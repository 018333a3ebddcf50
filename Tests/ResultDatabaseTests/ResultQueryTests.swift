import CSQLite
import Foundation
import Imaging
import Logging
import ResultDatabase
import SQLite
import TestSupport
import Testing

@Suite struct ResultQueryTests {
    /// A results database with two frames (one face on the first).
    private func resultsDatabase(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("results.db").path
        let store = try ResultStore(path: path, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try store.record(
            [
                resultsMessage(seq: 1, faces: [(PixelRect(x: 1, y: 2, width: 3, height: 4), probabilities(favouring: .happy))]),
                resultsMessage(seq: 2)
            ], processedAt: 1)
        return path
    }

    /// The SQLite error inside a query failure.
    private func sqliteError(_ body: () throws(ResultDatabaseError) -> QueryResult) -> SQLiteError? {
        do {
            _ = try body()
        } catch .sqlite(let error) {
            return error
        } catch {
            Issue.record("expected an SQLite error, got \(error)")
        }
        return nil
    }

    @Test func runsASelectOnTheView() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = try resultsDatabase(in: directory)
        let result = try ResultQuery.run(databasePath: path, sql: "SELECT source, seq, emotion, x FROM face_results")
        #expect(result.columns == ["source", "seq", "emotion", "x"])
        #expect(result.rows == [[.text("cam1"), .integer(1), .text("happy"), .integer(1)]])
    }

    @Test func refusesWritesAndLeavesTheDatabaseUnchanged() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = try resultsDatabase(in: directory)
        for sql in [
            "DELETE FROM frames",
            "INSERT INTO frames (source, seq, captured_at, processed_at, width, height, face_count) VALUES ('x', 9, 0, 0, 0, 0, 0)",
            "DROP VIEW face_results", "PRAGMA user_version = 5"
        ] {
            let error = try #require(sqliteError { () throws(ResultDatabaseError) in try ResultQuery.run(databasePath: path, sql: sql) })
            #expect(error.code == SQLITE_READONLY, "\(sql)")
            #expect(error.description.contains("attempt to write a readonly database"))
        }
        // Nothing runs when a second statement follows the first.
        let error = try #require(
            sqliteError { () throws(ResultDatabaseError) in
                try ResultQuery.run(databasePath: path, sql: "SELECT 1; DELETE FROM frames")
            })
        #expect(error.code == SQLITE_MISUSE)
        #expect(error.message == "more than one SQL statement; the first is followed by: DELETE FROM frames")

        let counts = try ResultQuery.run(
            databasePath: path, sql: "SELECT (SELECT count(*) FROM frames), (SELECT count(*) FROM faces), (SELECT count(*) FROM sqlite_schema)")
        #expect(counts.rows == [[.integer(2), .integer(1), .integer(7)]], "3 tables and views, 4 indexes")
        #expect(try ResultQuery.run(databasePath: path, sql: "PRAGMA user_version").rows == [[.integer(2)]])
    }

    @Test func aMissingDatabaseIsAnErrorAndIsNotCreated() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("nothing-here.db").path
        let error = try #require(throws: ResultDatabaseError.self) { try ResultQuery.run(databasePath: path, sql: "SELECT 1") }
        #expect(error.description == "no database at \(path)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// One row holding every kind of value that needs care in CSV and JSON.
    private let awkward = QueryResult(
        columns: ["x,y", "quote", "lines", "empty", "missing", "count", "share", "bytes"],
        rows: [
            [.text("a,b"), .text("say \"hi\""), .text("two\nlines"), .text(""), .null, .integer(-42), .real(0.5), .blob([0, 0xff])],
            [.text("plain"), .text("é"), .text("tab\there"), .text(" "), .integer(1), .integer(0), .real(1e-7), .blob([])]
        ]
    )

    @Test func csvQuotesAsRFC4180() {
        #expect(
            awkward.csv() == "\"x,y\",quote,lines,empty,missing,count,share,bytes\r\n"
                + "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"\",,-42,0.5,AP8=\r\n"
                + "plain,é,tab\there, ,1,0,1e-07,\r\n")
    }

    @Test func jsonHasOneObjectPerRowInColumnOrder() throws {
        let json = awkward.json()
        #expect(
            json == """
                [
                {"x,y":"a,b","quote":"say \\"hi\\"","lines":"two\\nlines","empty":"","missing":null,"count":-42,"share":0.5,"bytes":"AP8="},
                {"x,y":"plain","quote":"é","lines":"tab\\there","empty":" ","missing":1,"count":0,"share":1e-07,"bytes":""}
                ]
                """)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["lines"] as? String == "two\nlines")
        #expect(parsed[0]["missing"] is NSNull)
        #expect(QueryResult(columns: ["a"], rows: []).json() == "[]")
    }

    @Test func tableAlignsColumnsAndKeepsRowsOnOneLine() {
        let result = QueryResult(
            columns: ["emotion", "faces", "note"],
            rows: [[.text("happy"), .integer(1234), .null], [.text("sad"), .real(0.5), .text("a\nb")]])
        #expect(
            result.table() == """
                ┌─────────┬───────┬──────┐
                │ emotion │ faces │ note │
                ├─────────┼───────┼──────┤
                │ happy   │  1234 │ NULL │
                │ sad     │   0.5 │ a\\nb │
                └─────────┴───────┴──────┘
                (2 rows)
                """)
    }
}
