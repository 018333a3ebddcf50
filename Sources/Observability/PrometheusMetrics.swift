import Metrics
import Prometheus
import Synchronization

/// The bridge from the swift-metrics API the libraries use (Counter, Gauge, Timer, Recorder, Meter
/// with dotted labels such as `moodwire.ingest.frames`) to a Prometheus registry that `/metrics`
/// renders. Libraries never import Prometheus; only the executables bootstrap this.
public enum PrometheusMetrics {
    /// Histogram buckets for swift-metrics Timers, from 1 ms to 10 s: per-stage latencies range from
    /// a classifier batch (milliseconds) to a frame waiting for its acknowledgement (seconds).
    public static let timerBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10)
    ]

    /// A factory whose metrics land in `registry` (a new one by default, never swift-prometheus'
    /// shared default registry), with Prometheus-valid names and `timerBuckets`. Tests use it
    /// directly (with `Counter(label:dimensions:factory:)`) and serve its `registry`, since the
    /// global `MetricsSystem` can be bootstrapped only once per process.
    public static func makeFactory(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = timerBuckets
        factory.nameAndLabelSanitizer = { name, labels in
            (sanitizedName(name), labels.map { (sanitizedName($0.0), $0.1) })
        }
        return factory
    }

    /// A metric or label name as Prometheus accepts it: every character other than an ASCII
    /// letter, digit or underscore becomes an underscore (`moodwire.ingest.frames` →
    /// `moodwire_ingest_frames`, `queue-depth` → `queue_depth`), and a name that would start with a
    /// digit (or be empty) gets a leading underscore. Colons are replaced too, since Prometheus
    /// reserves them for recording rules. Label values are left alone: the exposition escapes them.
    public static func sanitizedName(_ name: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_": result.append(scalar)
            default: result.append("_")
            }
        }
        if let first = result.first, ("0"..."9").contains(first) {
            result.insert("_", at: result.startIndex)
        }
        return result.isEmpty ? "_" : String(result)
    }

    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Points the process-wide `MetricsSystem` at a new Prometheus registry and returns it; calling
    /// it again returns the same registry instead of bootstrapping twice (which swift-metrics
    /// forbids). Call it before any library creates a metric: metrics made earlier go to the
    /// no-op factory and never appear.
    public static func bootstrapMetricsSystem() -> PrometheusCollectorRegistry {
        bootstrapped.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(makeFactory(registry: created))
            registry = created
            return created
        }
    }
}
