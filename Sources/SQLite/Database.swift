import CSQLite

/// A connection to one SQLite database file.
///
/// Not thread-safe, and not `Sendable`: use a connection from one thread at a time (it may be
/// handed over to another thread), and open one per thread that needs the database. Because of
/// that rule the connection is opened with `SQLITE_OPEN_NOMUTEX`, which skips SQLite's per-call
/// mutex. The connection closes when the value is released; statements keep their
/// connection alive, so it never closes under a live statement.
public final class Database {
    /// What the connection may do to the file.
    public enum Access: Sendable, Hashable {
        /// Read and write; the file is created if it does not exist.
        case readWriteCreate
        /// `SQLITE_OPEN_READONLY`: every write fails inside SQLite with `SQLITE_READONLY` whatever the
        /// SQL, and a missing file is an error (`SQLITE_CANTOPEN`) rather than a new empty database.
        case readOnly
    }

    public struct Configuration: Sendable, Hashable {
        /// Default `.readWriteCreate`.
        public var access: Access
        /// How long a statement waits for another connection's lock before failing with
        /// `SQLITE_BUSY`. Default 5,000 ms: long enough to ride out a writer's commit or a WAL
        /// checkpoint, short enough that a stuck peer shows up as an error.
        public var busyTimeoutMilliseconds: Int32

        public init(access: Access = .readWriteCreate, busyTimeoutMilliseconds: Int32 = 5_000) {
            self.access = access
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        }
    }

    public let path: String
    let handle: OpaquePointer

    public init(path: String, configuration: Configuration = Configuration()) throws(SQLiteError) {
        let accessFlags =
            switch configuration.access {
            case .readWriteCreate: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .readOnly: SQLITE_OPEN_READONLY
            }
        var connection: OpaquePointer?
        let result = sqlite3_open_v2(path, &connection, accessFlags | SQLITE_OPEN_NOMUTEX, nil)
        guard result == SQLITE_OK, let connection else {
            let error = SQLiteError(resultCode: result, connection: connection, operation: "open \(path)")
            // SQLite hands back a connection even when opening fails, to carry the message.
            sqlite3_close_v2(connection)
            throw error
        }
        self.path = path
        self.handle = connection
        sqlite3_busy_timeout(connection, configuration.busyTimeoutMilliseconds)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs a script of zero or more statements separated by semicolons, discarding any rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        let result = sqlite3_exec(handle, sql, nil, nil, nil)
        guard result == SQLITE_OK else {
            throw SQLiteError(resultCode: result, connection: handle, operation: "execute", sql: sql)
        }
    }

    /// Compiles exactly one statement. SQL holding a second statement after the first is refused
    /// with `SQLITE_MISUSE` (as GRDB does) instead of silently running only the first: use
    /// `execute(_:)` for scripts. Trailing whitespace, semicolons and comments are fine.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        var statement: OpaquePointer?
        var trailing = ""
        let result = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let result = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
            if result == SQLITE_OK, let tail { trailing = String(cString: tail) }
            return result
        }
        guard result == SQLITE_OK else {
            throw SQLiteError(resultCode: result, connection: handle, operation: "prepare", sql: sql)
        }
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "no SQL statement", operation: "prepare", sql: sql)
        }
        guard Self.holdsNoStatement(trailing, connection: handle) else {
            sqlite3_finalize(statement)
            throw SQLiteError(
                code: SQLITE_MISUSE,
                message: "more than one SQL statement; the first is followed by: "
                    + Self.excerpt(trailing), operation: "prepare", sql: sql)
        }
        return Statement(handle: statement, database: self, sql: sql)
    }

    /// True when `sql` compiles to nothing: whitespace, semicolons and comments only.
    private static func holdsNoStatement(_ sql: String, connection: OpaquePointer) -> Bool {
        var statement: OpaquePointer?
        let result = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        sqlite3_finalize(statement)
        return result == SQLITE_OK && statement == nil
    }

    /// The start of `sql` without surrounding whitespace, shortened for an error message.
    private static func excerpt(_ sql: String) -> String {
        guard let first = sql.firstIndex(where: { !$0.isWhitespace }),
            let last = sql.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        let text = sql[first...last]
        return text.count <= 80 ? String(text) : text.prefix(80) + "…"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (the
    /// error is rethrown). It begins with `BEGIN IMMEDIATE`, taking the write lock up front, so a
    /// concurrent writer makes it wait (busy timeout) at the start; a deferred transaction that
    /// upgrades to writing later can get `SQLITE_BUSY` with no waiting, to avoid deadlock.
    public func transaction<Value>(_ body: () throws(SQLiteError) -> Value) throws(SQLiteError) -> Value {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            // Some errors (disk full, I/O) make SQLite roll back by itself; only roll back what is open.
            if sqlite3_get_autocommit(handle) == 0 { sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) }
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE (`sqlite3_changes64`).
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// The rowid of the last row inserted on this connection (`sqlite3_last_insert_rowid`); an
    /// `INSERT ... DO NOTHING` that inserted nothing leaves it unchanged.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}
