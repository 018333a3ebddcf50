import CSQLite

/// A failed SQLite call, with SQLite's own result codes and message, so callers can branch on the
/// code (`SQLITE_BUSY`, `SQLITE_READONLY`, ...) and users read what SQLite said.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The primary result code, e.g. `SQLITE_READONLY` (8).
    public let code: Int32
    /// The extended result code, e.g. `SQLITE_CONSTRAINT_UNIQUE` (2067); its low byte is `code`.
    public let extendedCode: Int32
    /// SQLite's message (`sqlite3_errmsg`) at the time of the failure.
    public let message: String
    /// What was being done: "open /data/moodwire.db", "prepare", "run", "execute", "bind parameter 3".
    public let operation: String
    /// The SQL being prepared or run, when the failure is about one.
    public let sql: String?

    public init(code: Int32, extendedCode: Int32? = nil, message: String, operation: String, sql: String? = nil) {
        self.code = code & 0xff
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.operation = operation
        self.sql = sql
    }

    /// The failure `resultCode` of the last call on `connection`, with the connection's message.
    init(resultCode: Int32, connection: OpaquePointer?, operation: String, sql: String? = nil) {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(resultCode))
        let extended = connection.map { sqlite3_extended_errcode($0) }
        // The connection's extended code belongs to its last failure, which is this one only if the
        // primary codes agree (a step after a reset can report a code the connection did not record).
        let extendedCode = extended.flatMap { ($0 & 0xff) == (resultCode & 0xff) ? $0 : nil } ?? resultCode
        self.init(code: resultCode, extendedCode: extendedCode, message: message, operation: operation, sql: sql)
    }

    /// The C name of the primary code, e.g. "SQLITE_READONLY".
    public var codeName: String {
        switch code {
        case SQLITE_ERROR: "SQLITE_ERROR"
        case SQLITE_INTERNAL: "SQLITE_INTERNAL"
        case SQLITE_PERM: "SQLITE_PERM"
        case SQLITE_ABORT: "SQLITE_ABORT"
        case SQLITE_BUSY: "SQLITE_BUSY"
        case SQLITE_LOCKED: "SQLITE_LOCKED"
        case SQLITE_NOMEM: "SQLITE_NOMEM"
        case SQLITE_READONLY: "SQLITE_READONLY"
        case SQLITE_INTERRUPT: "SQLITE_INTERRUPT"
        case SQLITE_IOERR: "SQLITE_IOERR"
        case SQLITE_CORRUPT: "SQLITE_CORRUPT"
        case SQLITE_NOTFOUND: "SQLITE_NOTFOUND"
        case SQLITE_FULL: "SQLITE_FULL"
        case SQLITE_CANTOPEN: "SQLITE_CANTOPEN"
        case SQLITE_PROTOCOL: "SQLITE_PROTOCOL"
        case SQLITE_SCHEMA: "SQLITE_SCHEMA"
        case SQLITE_TOOBIG: "SQLITE_TOOBIG"
        case SQLITE_CONSTRAINT: "SQLITE_CONSTRAINT"
        case SQLITE_MISMATCH: "SQLITE_MISMATCH"
        case SQLITE_MISUSE: "SQLITE_MISUSE"
        case SQLITE_NOLFS: "SQLITE_NOLFS"
        case SQLITE_AUTH: "SQLITE_AUTH"
        case SQLITE_RANGE: "SQLITE_RANGE"
        case SQLITE_NOTADB: "SQLITE_NOTADB"
        default: "SQLite result code \(code)"
        }
    }

    /// E.g. "run: attempt to write a readonly database (SQLITE_READONLY, code 8) in: DELETE FROM frames".
    public var description: String {
        var text = "\(operation): \(message) (\(codeName), code \(code)"
        if extendedCode != code { text += ", extended code \(extendedCode)" }
        text += ")"
        if let sql { text += " in: \(sql)" }
        return text
    }
}
