import ArgumentParser

@main
struct Moodwire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire",
        abstract: "Facial emotion detection: analyse photos, evaluate models, benchmark the runtime.",
        subcommands: [Analyze.self, Eval.self, Bench.self]
    )
}
