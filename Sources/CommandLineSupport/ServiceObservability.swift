import Logging
import Observability

/// What a service executable gets from `ServiceOptions.bootstrapObservability(label:)` and hands to
/// `ServiceRunner.run(_:observability:)`: its logger, the health registry its components report
/// to, and where the operations endpoint listens, if anywhere.
public struct ServiceObservability: Sendable {
    public struct Endpoint: Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public let logger: Logger
    /// Components report here (`health.update("source.cam", healthy: true, state: "streaming")`);
    /// `/healthz` renders it. The runner keeps the component `service` up to date.
    public let health: HealthRegistry
    /// Nil when no `--metrics-port` is set: then no endpoint runs and metrics are not collected.
    public let operations: Endpoint?

    public init(logger: Logger, health: HealthRegistry, operations: Endpoint?) {
        self.logger = logger
        self.health = health
        self.operations = operations
    }
}
