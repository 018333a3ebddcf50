import ArgumentParser
import CommandLineSupport
import ResultDatabase

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Faces per emotion, per source and per minute, from the results database.",
        discussion: """
            For each source: one line per minute (or --bucket seconds, aligned to UTC) with frames, faces \
            and each emotion's share of the faces, then the source's total. The database is opened \
            read-only.
            """
    )

    @OptionGroup var database: DatabaseArguments

    @Option(help: ArgumentHelp("Bucket length in seconds.", valueName: "seconds"))
    var bucket = 60

    @Option(help: ArgumentHelp("Only this source.", valueName: "name"))
    var source: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        guard bucket >= 1 else { throw ValidationError("--bucket must be at least 1 second") }
    }

    func run() async throws {
        let report = try EmotionReport.make(databasePath: database.db, bucketSeconds: bucket, source: source)
        print(json ? report.json() : report.text())
    }
}
