import ArgumentParser

@main
struct Moodwire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire",
        abstract: "Facial emotion detection: classify faces, evaluate models, benchmark the runtime.",
        subcommands: [Eval.self, Bench.self]
    )
}
