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

    @Option(help: "SQLite file (env MOODWIRE_DB).")
    var db: String = environment("DB") ?? "moodwire.db"

    @Option(help: "Most frames per transaction (env MOODWIRE_MAX_BATCH).")
    var maxBatch: Int = environment("MAX_BATCH", Int.init) ?? 1024

    @Option(help: "How long a transaction waits for more results, in milliseconds; results already queued always join (env MOODWIRE_MAX_DELAY_MS).")
    var maxDelayMs: Int = environment("MAX_DELAY_MS", Int.init) ?? 0

    func validate() throws {
        guard maxBatch >= 1, maxDelayMs >= 0 else { throw ValidationError("--max-batch must be at least 1 and --max-delay-ms 0 or more") }
    }

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.recorder")
        let logger = observability.logger
        let recorder: BlockingService
        do {
            let store = try ResultStore(path: db, logger: logger)
            recorder = try RecorderService.make(
                RecorderServiceConfiguration(endpoints: service.endpoints, maxBatch: maxBatch, maxDelay: .milliseconds(maxDelayMs)),
                store: Handover(store), logger: logger)
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        try await ServiceRunner.run([recorder], observability: observability)
    }
}
