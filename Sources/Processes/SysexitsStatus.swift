/// The exit statuses with a meaning beyond failure that Moodwire's processes end with, from BSD's
/// sysexits.h: the stages exit with them and `moodwire up` decides from them whether to restart a
/// stage.
public enum SysexitsStatus: Int32, Sendable {
    /// EX_USAGE: the command line is wrong (ArgumentParser's `ExitCode.validationFailure`).
    case usage = 64
    /// EX_DATAERR: the input could not be read to its end (the ingest, when a source failed part-way).
    case dataError = 65
    /// EX_CONFIG: the process cannot start with its configuration (a malformed environment
    /// variable, a taken port).
    case configuration = 78
}
