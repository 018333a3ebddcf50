import CSQLite

/// A compiled SQL statement (`sqlite3_stmt`), made by `Database.prepare(_:)`.
///
/// Parameters are numbered from 1 and columns from 0, as in SQLite's C API. Keep a statement to
/// run it many times: bind, `step()` until it returns false, `reset()`, bind again. Bindings stay
/// in place across `reset()`. It is finalized when released, and keeps its connection open.
public final class Statement {
    public let sql: String
    let handle: OpaquePointer
    private let database: Database

    init(handle: OpaquePointer, database: Database, sql: String) {
        self.handle = handle
        self.database = database
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Parameters

    public func bind(_ value: Int64, at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, Int32(index), value), binding: index)
    }

    /// Swift's `Int`, so that integer literals and counts bind without a conversion at the call.
    public func bind(_ value: Int, at index: Int) throws(SQLiteError) {
        try bind(Int64(value), at: index)
    }

    public func bind(_ value: Double, at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_double(handle, Int32(index), value), binding: index)
    }

    /// Binds the string's UTF-8 bytes (embedded NULs included); SQLite copies them.
    public func bind(_ value: String, at index: Int) throws(SQLiteError) {
        let result = value.withCString { text in
            sqlite3_bind_text(handle, Int32(index), text, Int32(value.utf8.count), moodwire_sqlite_transient())
        }
        try check(result, binding: index)
    }

    /// Binds a blob; SQLite copies the bytes. An empty array is an empty blob, not NULL.
    public func bind(blob bytes: [UInt8], at index: Int) throws(SQLiteError) {
        let result = bytes.withUnsafeBytes { buffer in
            // A nil pointer would bind NULL, so an empty blob is bound as a zero-length zeroblob.
            guard let start = buffer.baseAddress, !buffer.isEmpty else { return sqlite3_bind_zeroblob(handle, Int32(index), 0) }
            return sqlite3_bind_blob(handle, Int32(index), start, Int32(buffer.count), moodwire_sqlite_transient())
        }
        try check(result, binding: index)
    }

    public func bindNull(at index: Int) throws(SQLiteError) {
        try check(sqlite3_bind_null(handle, Int32(index)), binding: index)
    }

    public func bind(_ value: SQLiteValue, at index: Int) throws(SQLiteError) {
        switch value {
        case .integer(let integer): try bind(integer, at: index)
        case .real(let real): try bind(real, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let bytes): try bind(blob: bytes, at: index)
        case .null: try bindNull(at: index)
        }
    }

    private func check(_ result: Int32, binding index: Int) throws(SQLiteError) {
        guard result == SQLITE_OK else {
            throw SQLiteError(resultCode: result, connection: database.handle, operation: "bind parameter \(index)", sql: sql)
        }
    }

    // MARK: Running

    /// Runs the statement to its next row: true when a row is ready to read, false when it is done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let result: throw SQLiteError(resultCode: result, connection: database.handle, operation: "run", sql: sql)
        }
    }

    /// Rewinds the statement so it can run again, keeping its bindings. A failed `step()` has
    /// already thrown its error, which SQLite reports again here; it is not repeated.
    public func reset() {
        sqlite3_reset(handle)
    }

    // MARK: Columns of the current row

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// The column's name: its `AS` alias, else what SQLite derives from the expression.
    public func columnName(at index: Int) -> String {
        sqlite3_column_name(handle, Int32(index)).map { String(cString: $0) } ?? ""
    }

    /// The storage class of the column's value in the current row.
    public func columnType(at index: Int) -> SQLiteValue.Kind {
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: .integer
        case SQLITE_FLOAT: .real
        case SQLITE_TEXT: .text
        case SQLITE_BLOB: .blob
        default: .null
        }
    }

    public func value(at index: Int) -> SQLiteValue {
        switch columnType(at: index) {
        case .integer: .integer(int64(at: index))
        case .real: .real(double(at: index))
        case .text: .text(string(at: index))
        case .blob: .blob(blob(at: index))
        case .null: .null
        }
    }

    /// The column as an integer, converted by SQLite's rules (NULL is 0).
    public func int64(at index: Int) -> Int64 {
        sqlite3_column_int64(handle, Int32(index))
    }

    /// The column as a real, converted by SQLite's rules (NULL is 0.0).
    public func double(at index: Int) -> Double {
        sqlite3_column_double(handle, Int32(index))
    }

    /// The column as text, converted by SQLite's rules (NULL is ""); invalid UTF-8 is repaired.
    public func string(at index: Int) -> String {
        // The pointer first, then the byte count of that conversion (SQLite's documented order).
        guard let text = sqlite3_column_text(handle, Int32(index)) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The column as bytes (NULL and empty blobs are []).
    public func blob(at index: Int) -> [UInt8] {
        guard let bytes = sqlite3_column_blob(handle, Int32(index)) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, Int32(index)))
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}
