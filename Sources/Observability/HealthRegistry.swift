import Foundation
import Synchronization
import Timing

/// Where a service's components report whether they work, for `/healthz`. Components update their
/// entry whenever their state changes (connected, streaming, reconnecting, failed); the report is
/// healthy only when every component is.
public final class HealthRegistry: Sendable {
    /// The service name shown in the report, e.g. `moodwire-ingest`.
    public let service: String
    private let started: ContinuousClock.Instant
    private let components = Mutex<[String: HealthReport.Component]>([:])

    public init(service: String) {
        self.service = service
        self.started = .now
    }

    /// Sets the state of `component`, adding it if it is new.
    public func update(_ component: String, healthy: Bool, state: String, detail: String? = nil) {
        components.withLock { $0[component] = HealthReport.Component(healthy: healthy, state: state, detail: detail) }
    }

    /// Forgets `component`, e.g. a source that has finished and no longer matters to health.
    public func remove(_ component: String) {
        _ = components.withLock { $0.removeValue(forKey: component) }
    }

    /// The state of every component now.
    public func report() -> HealthReport {
        let snapshot = components.withLock { $0 }
        let uptime = ContinuousClock.now - started
        let seconds = uptime.inSeconds
        return HealthReport(service: service, uptimeSeconds: (seconds * 1000).rounded() / 1000, components: snapshot)
    }
}
