import CSQLite
import Foundation
import SQLite
import TestSupport
import Testing

@Suite struct DatabaseTests {
    @Test func createsTheFileAndKeepsDataAcrossConnections() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("new.db").path
        #expect(!FileManager.default.fileExists(atPath: path))
        do {
            let database = try Database(path: path)
            try database.execute("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (41), (42);")
            #expect(database.changes == 2)
            #expect(database.lastInsertRowID == 2)
        }
        #expect(FileManager.default.fileExists(atPath: path))
        let reopened = try Database(path: path, configuration: .init(access: .readOnly))
        let select = try reopened.prepare("SELECT x FROM t ORDER BY x")
        var values: [Int64] = []
        while try select.step() { values.append(select.int64(at: 0)) }
        #expect(values == [41, 42])
    }

    @Test func bindsAndReadsEveryType() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n)")
        let insert = try database.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
        let text = "é, \"quoted\"\0after NUL"
        try insert.bind(Int64.min, at: 1)
        try insert.bind(0.1, at: 2)
        try insert.bind(text, at: 3)
        try insert.bind(blob: [0, 1, 0xff], at: 4)
        try insert.bindNull(at: 5)
        #expect(try insert.step() == false)
        insert.reset()
        // Empty text and an empty blob stay themselves, not NULL; SQLiteValue binds too.
        for (index, value) in [SQLiteValue.integer(Int64.max), .real(-2.5e300), .text(""), .blob([]), .null].enumerated() {
            try insert.bind(value, at: index + 1)
        }
        try insert.step()

        let select = try database.prepare("SELECT i, r, s, b, n FROM t ORDER BY rowid")
        #expect(select.columnCount == 5)
        #expect((0..<5).map { select.columnName(at: $0) } == ["i", "r", "s", "b", "n"])
        #expect(try select.step())
        #expect((0..<5).map { select.columnType(at: $0) } == [.integer, .real, .text, .blob, .null])
        #expect((0..<5).map { select.value(at: $0) } == [.integer(Int64.min), .real(0.1), .text(text), .blob([0, 1, 0xff]), .null])
        #expect(try select.step())
        #expect((0..<5).map { select.value(at: $0) } == [.integer(Int64.max), .real(-2.5e300), .text(""), .blob([]), .null])
        #expect(try select.step() == false)
    }

    @Test func readOnlyConnectionRefusesWritesWithSQLiteReadOnly() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("ro.db").path
        try Database(path: path).execute("CREATE TABLE t(x); INSERT INTO t VALUES (1);")

        let database = try Database(path: path, configuration: .init(access: .readOnly))
        for sql in ["INSERT INTO t VALUES (2)", "DELETE FROM t", "CREATE TABLE u(y)"] {
            let error = try #require(throws: SQLiteError.self) { try database.prepare(sql).step() }
            #expect(error.code == SQLITE_READONLY, "\(sql)")
            #expect(error.codeName == "SQLITE_READONLY")
            #expect(error.message == "attempt to write a readonly database")
            #expect(error.sql == sql)
        }
        let count = try database.prepare("SELECT count(*) FROM t")
        try count.step()
        #expect(count.int64(at: 0) == 1)
    }

    @Test func readOnlyOpenOfAMissingFileFailsWithoutCreatingIt() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("missing.db").path
        let error = try #require(throws: SQLiteError.self) { try Database(path: path, configuration: .init(access: .readOnly)) }
        #expect(error.code == SQLITE_CANTOPEN)
        #expect(error.operation == "open \(path)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func syntaxErrorKeepsCodeMessageAndSQL() throws {
        let database = try Database(path: ":memory:")
        let error = try #require(throws: SQLiteError.self) { try database.prepare("SELEC 1") }
        #expect(error.code == SQLITE_ERROR)
        #expect(error.message == "near \"SELEC\": syntax error")
        #expect(error.sql == "SELEC 1")
        #expect(error.description == "prepare: near \"SELEC\": syntax error (SQLITE_ERROR, code 1) in: SELEC 1")

        let scriptError = try #require(throws: SQLiteError.self) { try database.execute("CREATE TABLE t(x); SELECT nope FROM t") }
        #expect(scriptError.code == SQLITE_ERROR)
        #expect(scriptError.message == "no such column: nope")
    }

    @Test func constraintErrorKeepsItsExtendedCode() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t(x UNIQUE); INSERT INTO t VALUES (1)")
        let error = try #require(throws: SQLiteError.self) { try database.execute("INSERT INTO t VALUES (1)") }
        #expect(error.code == SQLITE_CONSTRAINT)
        #expect(error.extendedCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE, a macro Swift does not import
        #expect(error.description.contains("(SQLITE_CONSTRAINT, code 19, extended code 2067)"))
    }

    @Test func prepareRefusesASecondStatementButAcceptsTrailingComments() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
        let error = try #require(throws: SQLiteError.self) { try database.prepare("SELECT x FROM t; DELETE FROM t") }
        #expect(error.code == SQLITE_MISUSE)
        #expect(error.message == "more than one SQL statement; the first is followed by: DELETE FROM t")
        let empty = try #require(throws: SQLiteError.self) { try database.prepare("  -- nothing\n") }
        #expect(empty.code == SQLITE_MISUSE)

        let select = try database.prepare("SELECT x FROM t; ; -- the end\n /* really */ ")
        #expect(try select.step())
        let remaining = try database.prepare("SELECT count(*) FROM t")
        try remaining.step()
        #expect(remaining.int64(at: 0) == 1, "nothing after the first statement ran")
    }

    @Test func resetRunsAStatementAgainWithItsBindings() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t(x)")
        let insert = try database.prepare("INSERT INTO t VALUES (?)")
        try insert.bind(7, at: 1)
        try insert.step()
        insert.reset()
        try insert.step()
        let sum = try database.prepare("SELECT sum(x), count(*) FROM t")
        try sum.step()
        #expect(sum.int64(at: 0) == 14)
        #expect(sum.int64(at: 1) == 2)
    }

    @Test func transactionCommitsOnReturnAndRollsBackOnThrow() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t(x UNIQUE)")
        let insert = try database.prepare("INSERT INTO t VALUES (?)")
        let run = { (value: Int64) throws(SQLiteError) in
            try insert.bind(value, at: 1)
            defer { insert.reset() }
            try insert.step()
        }

        let error = try #require(throws: SQLiteError.self) {
            try database.transaction { () throws(SQLiteError) in
                try run(1)
                try run(2)
                try run(1)  // violates UNIQUE: the whole transaction goes
            }
        }
        #expect(error.code == SQLITE_CONSTRAINT)
        let count = try database.prepare("SELECT count(*) FROM t")
        try count.step()
        #expect(count.int64(at: 0) == 0)
        count.reset()

        let returned = try database.transaction { () throws(SQLiteError) in
            try run(1)
            try run(2)
            return database.changes
        }
        #expect(returned == 1)
        try count.step()
        #expect(count.int64(at: 0) == 2)
    }
}
