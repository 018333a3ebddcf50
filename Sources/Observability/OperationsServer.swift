import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The operations endpoint of one service: `GET /metrics` (Prometheus text exposition) and
/// `GET /healthz` (the `HealthReport` as JSON) on a small HTTP port of its own, separate from the
/// service's real work so that scraping never competes with it. It runs as one more service in the
/// stage's `ServiceGroup` and stops with it on graceful shutdown.
public struct OperationsServer: Service {
    /// The content type of the Prometheus text exposition format 0.0.4.
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    public let host: String
    public let port: Int
    private let metrics: PrometheusCollectorRegistry
    private let health: HealthRegistry
    private let logger: Logger
    private let onListening: @Sendable (_ port: Int) async -> Void

    /// - Parameter onListening: called with the bound port once the server accepts connections
    ///   (the real port when `port` is 0).
    public init(
        host: String, port: Int, metrics: PrometheusCollectorRegistry, health: HealthRegistry, logger: Logger,
        onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.onListening = onListening
    }

    /// An endpoint serving the registry of the process's `MetricsSystem`
    /// (`PrometheusMetrics.bootstrapMetricsSystem()`, which bootstraps it if nothing has yet).
    public init(
        host: String, port: Int, health: HealthRegistry, logger: Logger,
        onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.init(
            host: host, port: port, metrics: PrometheusMetrics.bootstrapMetricsSystem(), health: health, logger: logger,
            onListening: onListening)
    }

    /// The two routes, apart from any server, so tests can drive them with HummingbirdTesting's
    /// `.router` mode.
    public static func router(metrics: PrometheusCollectorRegistry, health: HealthRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: metricsContentType, .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        router.get("/healthz") { _, _ -> Response in
            let report = health.report()
            // 503 lets a plain HTTP check (Docker, Kubernetes, a load balancer) see "degraded"
            // without reading the body.
            return Response(
                status: report.isHealthy ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: report.jsonData())))
        }
        return router
    }

    public func run() async throws {
        let port = self.port
        let onListening = self.onListening
        let logger = self.logger
        let host = self.host
        let application = Application(
            router: Self.router(metrics: metrics, health: health),
            configuration: .init(address: .hostname(host, port: port), serverName: "moodwire"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.debug("operations endpoint listening", metadata: ["url": "http://\(host):\(bound)/metrics"])
                await onListening(bound)
            },
            logger: logger)
        // Application.run runs its own ServiceGroup, which follows this group's graceful shutdown.
        try await application.run()
    }
}
