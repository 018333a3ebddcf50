import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Observability
import Testing

/// `/metrics` and `/healthz` through the router, with metrics made by the swift-metrics API on a
/// registry-backed factory (not the global MetricsSystem, which a process bootstraps only once).
@Suite("Operations routes")
struct OperationsRoutesTests {
    @Test func metricsShowsCountersGaugesAndTimerHistogramsUnderPrometheusNames() async throws {
        let factory = PrometheusMetrics.makeFactory()
        let sent = Counter(label: "moodwire.ingest.frames", dimensions: [("source", "cam \"1\""), ("outcome", "sent")], factory: factory)
        sent.increment(by: 3)
        Gauge(label: "moodwire.broker.queue-depth", factory: factory).record(7)
        let latency = Timer(label: "moodwire.classifier.latency", dimensions: [("stage", "classify")], factory: factory)
        latency.recordMilliseconds(3)
        latency.recordMilliseconds(300)

        let application = Application(router: OperationsServer.router(metrics: factory.registry, health: HealthRegistry(service: "test")))
        try await application.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                let lines = Set(text.split(separator: "\n").map(String.init))
                #expect(lines.contains("# TYPE moodwire_ingest_frames counter"))
                // Label values keep their text, escaped as the exposition format requires.
                #expect(lines.contains(#"moodwire_ingest_frames{source="cam \"1\"",outcome="sent"} 3"#))
                #expect(lines.contains("moodwire_broker_queue_depth 7.0"))
                #expect(lines.contains("# TYPE moodwire_classifier_latency histogram"))
                // 3 ms falls in the 5 ms bucket, not the 2.5 ms one; 300 ms only from 500 ms on.
                #expect(lines.contains(#"moodwire_classifier_latency_bucket{stage="classify",le="0.0025"} 0"#))
                #expect(lines.contains(#"moodwire_classifier_latency_bucket{stage="classify",le="0.005"} 1"#))
                #expect(lines.contains(#"moodwire_classifier_latency_bucket{stage="classify",le="0.25"} 1"#))
                #expect(lines.contains(#"moodwire_classifier_latency_bucket{stage="classify",le="0.5"} 2"#))
                #expect(lines.contains(#"moodwire_classifier_latency_bucket{stage="classify",le="10.0"} 2"#))
                #expect(lines.contains(#"moodwire_classifier_latency_bucket{stage="classify",le="+Inf"} 2"#))
                #expect(lines.contains(#"moodwire_classifier_latency_count{stage="classify"} 2"#))
                #expect(lines.contains(#"moodwire_classifier_latency_sum{stage="classify"} 0.303"#))
                #expect(!text.contains("moodwire.ingest"))
            }
        }
    }

    @Test func sanitizedNamesAreValidPrometheusNames() {
        #expect(PrometheusMetrics.sanitizedName("moodwire.ingest.frames") == "moodwire_ingest_frames")
        #expect(PrometheusMetrics.sanitizedName("queue-depth:max") == "queue_depth_max")
        #expect(PrometheusMetrics.sanitizedName("1st.stage") == "_1st_stage")
        #expect(PrometheusMetrics.sanitizedName("faces/s é") == "faces_s__")
        #expect(PrometheusMetrics.sanitizedName("") == "_")
    }

    @Test func healthIsOKWhileEveryComponentIsHealthyAndDegradedOtherwise() async throws {
        let health = HealthRegistry(service: "moodwire-ingest")
        health.update("service", healthy: true, state: "running")
        health.update("source.cam", healthy: true, state: "streaming")
        let application = Application(router: OperationsServer.router(metrics: PrometheusMetrics.makeFactory().registry, health: health))
        try await application.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(document["status"] as? String == "ok")
                #expect(document["service"] as? String == "moodwire-ingest")
                #expect((document["uptimeSeconds"] as? Double).map { $0 >= 0 } == true)
                let components = try #require(document["components"] as? [String: [String: Any]])
                #expect(Set(components.keys) == ["service", "source.cam"])
                #expect(components["source.cam"]?["healthy"] as? Bool == true)
                #expect(components["source.cam"]?["state"] as? String == "streaming")
            }

            health.update("source.cam", healthy: false, state: "reconnecting", detail: "connection refused")
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let report = try JSONDecoder().decode(HealthReport.self, from: Data(buffer: response.body))
                #expect(report.status == .degraded)
                #expect(
                    report.components["source.cam"]
                        == HealthReport.Component(
                            healthy: false, state: "reconnecting",
                            detail: "connection refused"))
                #expect(report.components["service"]?.healthy == true)
            }

            // A component that no longer matters stops counting.
            health.remove("source.cam")
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let report = try JSONDecoder().decode(HealthReport.self, from: Data(buffer: response.body))
                #expect(report.components.keys.sorted() == ["service"])
            }
        }
    }
}
