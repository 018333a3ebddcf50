import ArgumentParser
import CommandLineSupport
import Logging
import Messaging

@main
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire-broker",
        abstract: "Queue devices between ingests, detectors and classifiers.",
        discussion: """
            Binds the frame queue (ingests connect to base port + 0, detectors to + 1) and the face queue \
            (detectors send to + 2, classifiers connect to + 3), so that any number of each can come and go.
            """
    )

    @OptionGroup var service: ServiceOptions

    @OptionGroup(title: "Queues") var queues: BrokerArguments

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.broker")
        let logger = observability.logger
        let broker: BlockingService
        do {
            broker = try Broker.service(BrokerConfiguration(endpoints: service.endpoints, highWaterMark: queues.highWaterMark), logger: logger)
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        logger.info("broker ready", metadata: ["base_port": "\(service.basePort)"])
        try await ServiceRunner.run([broker], observability: observability)
    }
}
