import ArgumentParser
import CommandLineSupport
import ResultDatabase

struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one SQL statement on the results database, read-only.",
        discussion: """
            The database is opened read-only, so a statement that writes fails and changes nothing. \
            Tables: frames (one row per frame), faces (one row per face, with its box, top emotion and \
            the seven probabilities); view face_results (each face with its frame's source, seq and \
            capture time). Times are Unix seconds, UTC. Example:

              moodwire query "SELECT emotion, count(*) FROM faces GROUP BY emotion"
            """
    )

    enum Format: String, EnumerableFlag {
        case table, csv, json

        static func help(for value: Format) -> ArgumentHelp? {
            switch value {
            case .table: "Print an aligned table (default)."
            case .csv: "Print CSV (RFC 4180) with a header line."
            case .json: "Print a JSON array with one object per row."
            }
        }
    }

    @OptionGroup var database: DatabaseArguments

    @Argument(help: "One SQL statement.")
    var sql: String

    @Flag var format: Format = .table

    func run() async throws {
        let result = try ResultQuery.run(databasePath: database.db, sql: sql)
        switch format {
        case .table: print(result.table())
        case .csv: print(result.csv(), terminator: "")
        case .json: print(result.json())
        }
    }
}
