import ArgumentParser
import Foundation
import Logging
import Messaging

/// The value of `MOODWIRE_<name>`: every service flag has this environment equivalent (for
/// compose files); a flag given on the command line wins.
public func environment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment["MOODWIRE_" + name]
}

/// Options every pipeline service takes: where the others are, and logging.
public struct ServiceOptions: ParsableArguments {
    @Option(help: "First of eight consecutive ports: frames in, frames out, faces in, faces out, results, acks, previews in, previews out (env MOODWIRE_BASE_PORT).")
    public var basePort: Int = environment("BASE_PORT").flatMap(Int.init) ?? 5550

    @Option(help: "Host of the broker, for services that connect to it (env MOODWIRE_BROKER_HOST).")
    public var brokerHost: String = environment("BROKER_HOST") ?? "127.0.0.1"

    @Option(help: "Host of the recorder, for services that connect to it (env MOODWIRE_RECORDER_HOST).")
    public var recorderHost: String = environment("RECORDER_HOST") ?? "127.0.0.1"

    @Option(help: "Interface that binding services listen on; 0.0.0.0 for all (env MOODWIRE_BIND_HOST).")
    public var bindHost: String = environment("BIND_HOST") ?? "127.0.0.1"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env MOODWIRE_LOG_LEVEL).")
    public var logLevel: Logger.Level = environment("LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info

    public init() {}

    public func validate() throws {
        guard (1...65520).contains(basePort) else { throw ValidationError("--base-port must be between 1 and 65520") }
    }

    public var endpoints: PipelineEndpoints {
        PipelineEndpoints(brokerHost: brokerHost, recorderHost: recorderHost, bindHost: bindHost, basePort: basePort)
    }

    /// Logs to standard error at `logLevel`; returns the service's logger.
    public func bootstrapLogging(label: String) -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
