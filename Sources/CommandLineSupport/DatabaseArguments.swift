import ArgumentParser

/// The results file: the option of every command that writes or reads it (`up`, `query`,
/// `report`, `moodwire-recorder`, `moodwire-web`), declared once.
public struct DatabaseArguments: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("The SQLite results file (env MOODWIRE_DB).", valueName: "file"))
    public var db: String = environment("DB") ?? "moodwire.db"

    public init() {}

    /// This option as command-line arguments, for a process started by `up`.
    public var arguments: [String] { ["--db", db] }
}
