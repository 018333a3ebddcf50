import Foundation

/// What `/healthz` answers: the state of every component of one service at one moment.
///
/// Rendered as `{"status":"ok","service":"moodwire-ingest","uptimeSeconds":12.5,
/// "components":{"service":{"healthy":true,"state":"running"}}}`; `status` is `degraded` as soon as
/// one component is unhealthy, and `detail` is left out when a component has none.
public struct HealthReport: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case ok
        case degraded
    }

    public struct Component: Codable, Sendable, Equatable {
        public var healthy: Bool
        /// A short word for what the component is doing: `running`, `streaming`, `reconnecting`…
        public var state: String
        /// Why it is in that state, for a person reading the report (the last error, say).
        public var detail: String?

        public init(healthy: Bool, state: String, detail: String? = nil) {
            self.healthy = healthy
            self.state = state
            self.detail = detail
        }
    }

    public var status: Status
    public var service: String
    public var uptimeSeconds: Double
    public var components: [String: Component]

    /// The status follows from the components: `ok` when every one is healthy (or there are none).
    public init(service: String, uptimeSeconds: Double, components: [String: Component]) {
        self.status = components.values.allSatisfy(\.healthy) ? .ok : .degraded
        self.service = service
        self.uptimeSeconds = uptimeSeconds
        self.components = components
    }

    public var isHealthy: Bool { status == .ok }

    /// The report as compact JSON with sorted keys, so that the same state always reads the same.
    public func jsonData() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and booleans cannot fail.
        return (try? encoder.encode(self)) ?? Data(#"{"status":"degraded"}"#.utf8)
    }
}
