/// One value of SQLite's dynamic typing: a column of a row, or a parameter to bind.
public enum SQLiteValue: Sendable, Hashable {
    case integer(Int64)
    case real(Double)
    /// UTF-8 text.
    case text(String)
    case blob([UInt8])
    case null

    /// SQLite's storage classes, as `sqlite3_column_type` reports them.
    public enum Kind: Sendable, Hashable {
        case integer, real, text, blob, null
    }

    public var kind: Kind {
        switch self {
        case .integer: .integer
        case .real: .real
        case .text: .text
        case .blob: .blob
        case .null: .null
        }
    }
}
