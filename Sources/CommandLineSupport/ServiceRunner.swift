import ArgumentParser
import Foundation
import Logging
import Observability
import Processes
import ServiceLifecycle

/// Runs a stage's services until SIGTERM or SIGINT, or until one of them finishes; then every
/// service stops taking input and finishes what it holds, within `maximumShutdown`.
public enum ServiceRunner {
    public static func run(_ services: [any Service], logger: Logger, maximumShutdown: Duration = .seconds(10)) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(
                    service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = maximumShutdown
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Runs a stage's services as `run(_:logger:maximumShutdown:)` does, with its operations
    /// endpoint (when `observability` has one) as one more service, and keeps the health
    /// component `service` up to date: healthy and `running` while the stage runs, unhealthy and
    /// `stopping` from the start of a graceful shutdown.
    public static func run(
        _ services: [any Service], observability: ServiceObservability,
        maximumShutdown: Duration = .seconds(10)
    ) async throws {
        let health = observability.health
        health.update("service", healthy: true, state: "running")
        // A group shuts its services down last to first: the endpoint comes first so that it keeps
        // answering while the stage drains, and the shutdown watch last so that /healthz says
        // "stopping" as soon as the drain begins.
        var group: [any Service] = []
        if let endpoint = observability.operations {
            var logger = observability.logger
            logger[metadataKey: "endpoint"] = "operations"
            group.append(OperationsServer(host: endpoint.host, port: endpoint.port, health: health, logger: logger))
            observability.logger.info(
                "operations endpoint",
                metadata: [
                    "metrics": "http://\(endpoint.host):\(endpoint.port)/metrics",
                    "health": "http://\(endpoint.host):\(endpoint.port)/healthz"
                ])
        }
        group += services
        group.append(ShutdownHealthWatch(health: health))
        defer { health.update("service", healthy: false, state: "stopped") }
        try await run(group, logger: observability.logger, maximumShutdown: maximumShutdown)
    }

    /// An error the user must fix before the service can run: printed, then the configuration
    /// exit status, after which a supervisor does not restart the stage.
    public static func configurationError(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(SysexitsStatus.configuration.rawValue)
    }
}

/// Marks the health component `service` as stopping when the group begins its graceful shutdown.
private struct ShutdownHealthWatch: Service {
    let health: HealthRegistry

    func run() async throws {
        // Returns when graceful shutdown begins (or throws on cancellation, also an end).
        try? await gracefulShutdown()
        health.update("service", healthy: false, state: "stopping")
    }
}
