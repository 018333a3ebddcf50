import ArgumentParser
import CommandLineSupport
import Logging
import Messaging
import Recorder
import ResultDatabase

@main
struct RecorderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire-recorder",
        abstract: "Writes every result to SQLite and acknowledges it.",
        discussion: """
            Binds the results queue (base port + 4) and the acknowledgement feed (base port + 5). Results \
            are committed in batched transactions (WAL); a frame already recorded is not recorded again. \
            On SIGTERM or SIGINT it commits everything it has received, then exits.
            """
    )

    @OptionGroup var service: ServiceOptions

    @OptionGroup(title: "Results") var database: DatabaseArguments
    @OptionGroup(title: "Transactions") var recorder: RecorderArguments

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.recorder")
        let logger = observability.logger
        let stage: BlockingService
        do {
            let store = try ResultStore(path: database.db, logger: logger)
            stage = try RecorderService.make(
                RecorderServiceConfiguration(endpoints: service.endpoints, maxBatch: recorder.maxBatch, maxDelay: .milliseconds(recorder.maxDelayMs)),
                store: Handover(store), logger: logger)
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        try await ServiceRunner.run([stage], observability: observability)
    }
}
