import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// Runs a stage's services until SIGTERM or SIGINT, or until one of them finishes; then every
/// service stops taking input and finishes what it holds, within `maximumShutdown`.
public enum ServiceRunner {
    /// The exit status for a configuration the service cannot start with (EX_CONFIG): a
    /// supervisor does not restart a stage that ends with it.
    public static let configurationErrorStatus: Int32 = 78

    public static func run(_ services: [any Service], logger: Logger, maximumShutdown: Duration = .seconds(10)) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = maximumShutdown
        try await ServiceGroup(configuration: configuration).run()
    }

    /// An error the user must fix before the service can run: printed, then exit status 78.
    public static func configurationError(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(configurationErrorStatus)
    }
}
