/// Why the stack could not start or had to stop.
public enum SupervisorError: Error, CustomStringConvertible, Sendable {
    case missingExecutable(String)
    case cannotStart(executable: String, reason: String)
    /// A stage ended with a configuration or usage error; restarting it would fail the same way.
    case stageMisconfigured(stage: String, status: String)

    public var description: String {
        switch self {
        case .missingExecutable(let path): "cannot find the stage executable \(path); build with `swift build -c release`"
        case .cannotStart(let executable, let reason): "cannot start \(executable): \(reason)"
        case .stageMisconfigured(let stage, let status):
            "\(stage) cannot run with this configuration (\(status)); see its message above"
        }
    }
}
