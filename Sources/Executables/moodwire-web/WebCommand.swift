import ArgumentParser
import CommandLineSupport
import Foundation
import Logging
import Observability
import ServiceLifecycle
import Web

@main
struct WebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire-web",
        abstract: "The web page and JSON API: upload photos through the pipeline, watch live results, browse the history.",
        discussion: """
            Uploads go to the broker's frame queue as frames of the source "upload" and their results come \
            back from the recorder's feed, so they scale with the detector and classifier processes. The \
            history and results API read the SQLite file read-only.
            """
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: "Interface to listen on; 0.0.0.0 for all (env MOODWIRE_WEB_HOST).")
    var webHost: String = environment("WEB_HOST") ?? "127.0.0.1"

    @Option(help: "HTTP port (env MOODWIRE_WEB_PORT).")
    var webPort: Int = environment("WEB_PORT", Int.init) ?? 8080

    @Option(help: "SQLite results file, read-only (env MOODWIRE_DB).")
    var db: String = environment("DB") ?? "moodwire.db"

    @Option(help: "Largest request body in bytes (env MOODWIRE_MAX_BODY_BYTES).")
    var maxBodyBytes: Int = environment("MAX_BODY_BYTES", Int.init) ?? 10 << 20

    @Option(help: "Largest image in pixels (env MOODWIRE_MAX_PIXELS).")
    var maxPixels: Int = environment("MAX_PIXELS", Int.init) ?? 50_000_000

    @Option(help: "Seconds an upload waits for its result before answering 504 (env MOODWIRE_UPLOAD_TIMEOUT).")
    var uploadTimeout: Double = environment("UPLOAD_TIMEOUT", Double.init) ?? 10

    func validate() throws {
        guard (1...65535).contains(webPort) else { throw ValidationError("--web-port must be between 1 and 65535") }
        guard maxBodyBytes > 0, maxPixels > 0, uploadTimeout > 0 else {
            throw ValidationError("--max-body-bytes, --max-pixels and --upload-timeout must be positive")
        }
    }

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.web")
        let logger = observability.logger
        let configuration = WebConfiguration(
            host: webHost, port: webPort, databasePath: db, endpoints: service.endpoints, maxBodyBytes: maxBodyBytes,
            maxPixels: maxPixels, uploadTimeout: .milliseconds(Int(uploadTimeout * 1000)))
        if let problem = ListenCheck.problem(host: webHost, port: webPort, flag: "--web-port") {
            throw ServiceRunner.configurationError(problem)
        }
        let gateway = PipelineGateway(configuration: configuration, logger: logger)
        let application: any Service
        do {
            application = try WebApplication.make(configuration: configuration, gateway: gateway, logger: logger)
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        logger.info("web ready", metadata: ["url": "http://\(webHost):\(webPort)/"])
        try await ServiceRunner.run([gateway.service(), application], observability: observability)
    }
}
