import Foundation

/// A child process started with posix_spawn in its own process group, so that a Ctrl-C on the
/// terminal reaches only the supervisor, which then stops the stages in order. Its signal
/// dispositions are reset to the defaults (the supervisor's signal handling ignores SIGINT and
/// SIGTERM, and ignored signals would otherwise be inherited).
final class ChildProcess {
    let executable: String
    let arguments: [String]
    let pid: pid_t
    /// The wait status once the process has ended and been reaped.
    private(set) var exit: ExitStatus?

    enum ExitStatus: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    init(executable: String, arguments: [String], environment: [String: String]) throws {
        self.executable = executable
        self.arguments = arguments
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, nil, &attributes, argv, envp)
        guard result == 0 else {
            throw SupervisorError.cannotStart(executable: executable, reason: String(cString: strerror(result)))
        }
        self.pid = pid
    }

    /// Reaps the process if it has ended; true while it runs.
    var isRunning: Bool {
        if exit != nil { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result == 0 }
        // WIFEXITED / WTERMSIG are macros Swift cannot import: the low 7 bits are the signal.
        let signal = status & 0x7F
        exit = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        return false
    }

    func send(_ signal: Int32) {
        if exit == nil { kill(pid, signal) }
    }

    /// Asks the process to stop (SIGTERM) and waits up to `timeout`; then kills it (SIGKILL).
    func stop(timeout: Duration) {
        guard isRunning else { return }
        send(SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if isRunning {
            send(SIGKILL)
            while isRunning { Thread.sleep(forTimeInterval: 0.01) }
        }
    }
}
