import Foundation
import SQLite
import TextFormats

/// `moodwire query`: one SQL statement on a results database, opened read-only.
///
/// The connection is opened with `SQLITE_OPEN_READONLY`, so whatever the SQL, a write (`DELETE`,
/// `INSERT`, `DROP`, `PRAGMA user_version = 2`, ...) fails inside SQLite with `SQLITE_READONLY`; the
/// file cannot change. SQL holding more than one statement is refused before anything runs.
public enum ResultQuery {
    public static func run(databasePath: String, sql: String) throws(ResultDatabaseError) -> QueryResult {
        let database = try ResultSchema.openReadOnly(path: databasePath)
        do {
            let statement = try database.prepare(sql)
            let columns = (0..<statement.columnCount).map { statement.columnName(at: $0) }
            var rows: [[SQLiteValue]] = []
            while try statement.step() {
                rows.append((0..<columns.count).map { statement.value(at: $0) })
            }
            return QueryResult(columns: columns, rows: rows)
        } catch {
            throw .sqlite(error)
        }
    }
}

/// The rows of a query, with three renderings: an aligned table for people, CSV and JSON for tools.
public struct QueryResult: Sendable, Equatable {
    public let columns: [String]
    public let rows: [[SQLiteValue]]

    public init(columns: [String], rows: [[SQLiteValue]]) {
        self.columns = columns
        self.rows = rows
    }

    /// A box-drawn table, numbers right-aligned, NULL shown as `NULL`, blobs as their size, line
    /// breaks and tabs in text shown as `\n` and `\t` so each row stays one line; then the row count.
    public func table() -> String {
        let header = columns.map(Self.singleLine)
        let cells = rows.map { $0.map(Self.tableCell) }
        let widths = header.indices.map { column in
            cells.reduce(header[column].count) { max($0, $1[column].count) }
        }
        func line(_ left: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: middle) + right
        }
        func row(_ texts: [String], rightAligned: [Bool]) -> String {
            "│"
                + texts.indices.map { column in
                    let padding = String(repeating: " ", count: widths[column] - texts[column].count)
                    return " " + (rightAligned[column] ? padding + texts[column] : texts[column] + padding) + " "
                }.joined(separator: "│") + "│"
        }
        var lines = [line("┌", "┬", "┐"), row(header, rightAligned: header.map { _ in false }), line("├", "┼", "┤")]
        for (values, texts) in zip(rows, cells) {
            lines.append(row(texts, rightAligned: values.map { $0.kind == .integer || $0.kind == .real }))
        }
        lines.append(line("└", "┴", "┘"))
        lines.append(rows.count == 1 ? "(1 row)" : "(\(rows.count) rows)")
        return lines.joined(separator: "\n")
    }

    /// RFC 4180: a header line, CRLF line ends; a field holding a comma, quote, CR or LF is quoted
    /// with its quotes doubled. NULL is an empty field and empty text a quoted empty field (`""`),
    /// so the two stay distinct; blobs are base64.
    public func csv() -> String {
        var lines = [columns.map(CSVText.field).joined(separator: ",")]
        for values in rows {
            lines.append(
                values.map { value in
                    switch value {
                    case .null: ""
                    case .text(let text) where text.isEmpty: "\"\""
                    default: CSVText.field(Self.plainText(value))
                    }
                }.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// An array with one object per row, keys in column order, one row per line: numbers as JSON
    /// numbers, NULL as null, blobs as base64 strings. Reals that JSON cannot hold (infinities) are
    /// null.
    public func json() -> String {
        let keys = columns.map(JSONText.string)
        let objects = rows.map { values in
            "{" + zip(keys, values).map { key, value in key + ":" + Self.jsonValue(value) }.joined(separator: ",") + "}"
        }
        return objects.isEmpty ? "[]" : "[\n" + objects.joined(separator: ",\n") + "\n]"
    }

    private static func jsonValue(_ value: SQLiteValue) -> String {
        switch value {
        case .integer(let integer): String(integer)
        case .real(let real): JSONText.number(real)
        case .text(let text): JSONText.string(text)
        case .blob(let bytes): JSONText.string(Data(bytes).base64EncodedString())
        case .null: "null"
        }
    }

    /// The value as CSV and tables show it (NULL as empty).
    private static func plainText(_ value: SQLiteValue) -> String {
        switch value {
        case .integer(let integer): String(integer)
        case .real(let real): String(real)
        case .text(let text): text
        case .blob(let bytes): Data(bytes).base64EncodedString()
        case .null: ""
        }
    }

    private static func tableCell(_ value: SQLiteValue) -> String {
        switch value {
        case .null: "NULL"
        case .blob(let bytes): "<blob, \(bytes.count) bytes>"
        default: singleLine(plainText(value))
        }
    }

    private static func singleLine(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" || $0 == "\t" }) else { return text }
        return text.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\t", with: "\\t")
    }
}
