import ArgumentParser

@main
struct Moodwire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire",
        abstract: "Facial emotion detection: run the pipeline, analyse photos, query results, evaluate and train models, benchmark.",
        subcommands: [Up.self, Query.self, Report.self, Analyze.self, Eval.self, Train.self, Bench.self]
    )
}
