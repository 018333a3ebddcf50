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

    @OptionGroup(title: "Results") var database: DatabaseArguments
    @OptionGroup(title: "Web page") var web: WebArguments

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.web")
        let logger = observability.logger
        let configuration = WebConfiguration(
            host: web.webHost, port: web.webPort, databasePath: database.db, endpoints: service.endpoints, maxBodyBytes: web.maxBodyBytes,
            maxPixels: web.maxPixels, uploadTimeout: .milliseconds(Int(web.uploadTimeout * 1000)))
        if let problem = ListenCheck.problem(host: web.webHost, port: web.webPort, flag: "--web-port") {
            throw ServiceRunner.configurationError(problem)
        }
        let gateway = PipelineGateway(configuration: configuration, logger: logger)
        let application: any Service
        do {
            application = try WebApplication.make(configuration: configuration, gateway: gateway, logger: logger)
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        logger.info("web ready", metadata: ["url": "\(web.url)"])
        try await ServiceRunner.run([gateway.service(), application], observability: observability)
    }
}
