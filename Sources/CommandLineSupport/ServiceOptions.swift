import ArgumentParser
import Foundation
import Logging
import Observability
import PipelineProtocol
import Synchronization

/// The value of `MOODWIRE_<name>`: every service flag has this environment equivalent (for
/// compose files); a flag given on the command line wins.
public func environment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment["MOODWIRE_" + name]
}

/// The value of `MOODWIRE_<name>` read by `parse`; nil when unset or empty. A value that `parse`
/// refuses is remembered, and `ServiceOptions.bootstrapObservability` makes it a configuration error that
/// names the variable (exit status 78) instead of silently using the default.
public func environment<Value>(_ name: String, _ parse: (String) -> Value?) -> Value? {
    guard let text = environment(name), !text.isEmpty else { return nil }
    guard let value = parse(text) else {
        malformedEnvironment.withLock { $0["MOODWIRE_" + name] = text }
        return nil
    }
    return value
}

extension Bool {
    /// A yes/no environment value: 1, true or yes; 0, false or no.
    public init?(yesOrNo text: String) {
        switch text.lowercased() {
        case "1", "true", "yes": self = true
        case "0", "false", "no": self = false
        default: return nil
        }
    }
}

/// Environment variables whose values did not parse, by name.
private let malformedEnvironment = Mutex<[String: String]>([:])

/// Options every pipeline service takes: where the others are, logging, and the operations endpoint.
public struct ServiceOptions: ParsableArguments {
    @Option(
        help:
            "First of eight consecutive ports: frames in, frames out, faces in, faces out, results, acks, previews in, previews out (env MOODWIRE_BASE_PORT)."
    )
    public var basePort: Int = environment("BASE_PORT", Int.init) ?? 5550

    @Option(help: "Host of the broker, for services that connect to it (env MOODWIRE_BROKER_HOST).")
    public var brokerHost: String = environment("BROKER_HOST") ?? "127.0.0.1"

    @Option(help: "Host of the recorder, for services that connect to it (env MOODWIRE_RECORDER_HOST).")
    public var recorderHost: String = environment("RECORDER_HOST") ?? "127.0.0.1"

    @Option(help: "Interface that binding services listen on; 0.0.0.0 for all (env MOODWIRE_BIND_HOST).")
    public var bindHost: String = environment("BIND_HOST") ?? "127.0.0.1"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env MOODWIRE_LOG_LEVEL).")
    public var logLevel: Logger.Level = environment("LOG_LEVEL", Logger.Level.init(rawValue:)) ?? .info

    @Option(help: "Log lines as text or json, one JSON object per line (env MOODWIRE_LOG_FORMAT).")
    public var logFormat: LogFormat = environment("LOG_FORMAT", LogFormat.init(rawValue:)) ?? .text

    // Optional without a default value: ArgumentParser deprecates optional options with defaults,
    // so the environment is read in `operationsPort`.
    @Option(help: "Port of the operations endpoint (GET /metrics, GET /healthz); none when not given (env MOODWIRE_METRICS_PORT).")
    public var metricsPort: Int?

    @Option(help: "Interface of the operations endpoint; 0.0.0.0 for all, as in containers (env MOODWIRE_METRICS_HOST).")
    public var metricsHost: String = environment("METRICS_HOST") ?? "127.0.0.1"

    public init() {}

    public func validate() throws {
        guard (1...65520).contains(basePort) else { throw ValidationError("--base-port must be between 1 and 65520") }
        if let port = operationsPort, !(1...65535).contains(port) {
            throw ValidationError("--metrics-port must be between 1 and 65535")
        }
    }

    /// The port of the operations endpoint: `--metrics-port`, else `MOODWIRE_METRICS_PORT`, else
    /// none (an empty variable counts as none, so compose files can switch it off).
    public var operationsPort: Int? {
        metricsPort ?? environment("METRICS_PORT", Int.init)
    }

    public var endpoints: PipelineEndpoints {
        PipelineEndpoints(brokerHost: brokerHost, recorderHost: recorderHost, bindHost: bindHost, basePort: basePort)
    }

    /// Logs to standard error at `logLevel`, as text or JSON lines (`logFormat`); returns the
    /// service's logger. Call once per process: swift-log allows one bootstrap.
    public func bootstrapLogging(label: String) -> Logger {
        let level = logLevel
        switch logFormat {
        case .text:
            LoggingSystem.bootstrap(
                { label, metadataProvider in
                    var handler = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
                    handler.logLevel = level
                    return handler
                }, metadataProvider: nil)
        case .json:
            LoggingSystem.bootstrap(
                { label, metadataProvider in
                    var handler = JSONLogHandler.standardError(label: label, metadataProvider: metadataProvider)
                    handler.logLevel = level
                    return handler
                }, metadataProvider: nil)
        }
        return Logger(label: label)
    }

    /// What a service executable calls first in `run()`: bootstraps logging and, when an
    /// operations port is set, the Prometheus-backed metrics system, before any service (and so
    /// any metric) is made, and checks that the port is free, so that a taken port ends the
    /// process with status 78 before anything starts.
    ///
    /// - Parameter label: the logger label, e.g. `moodwire.ingest`; the health report names the
    ///   service after it (`moodwire-ingest`).
    public func bootstrapObservability(label: String) throws -> ServiceObservability {
        // Checked here, not in validate(): ArgumentParser turns any error of validate() into a
        // usage error (status 64).
        let malformed = malformedEnvironment.withLock { $0 }
        if let (name, value) = malformed.min(by: { $0.key < $1.key }) {
            throw ServiceRunner.configurationError("\(name)=\"\(value)\" is not a valid value; fix or unset it")
        }
        let logger = bootstrapLogging(label: label)
        let health = HealthRegistry(service: label.replacingOccurrences(of: ".", with: "-"))
        guard let port = operationsPort else {
            return ServiceObservability(logger: logger, health: health, operations: nil)
        }
        if let problem = ListenCheck.problem(host: metricsHost, port: port, flag: "--metrics-port") {
            throw ServiceRunner.configurationError(problem)
        }
        // Without an endpoint to read them, metrics stay on swift-metrics' no-op factory.
        _ = PrometheusMetrics.bootstrapMetricsSystem()
        return ServiceObservability(
            logger: logger, health: health,
            operations: ServiceObservability.Endpoint(host: metricsHost, port: port))
    }
}

/// How log lines look.
public enum LogFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// swift-log's `StreamLogHandler` lines, for people.
    case text
    /// One JSON object per line (`JSONLogHandler`), for log collectors.
    case json
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
