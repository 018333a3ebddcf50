import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process started with posix_spawn: the stages of `moodwire up`, ffmpeg and ffprobe for the
/// ingest, the benchmarks' reference scripts. Every way Moodwire starts a program goes through it.
///
/// Standard input is /dev/null. Standard output is inherited or piped to this process; standard
/// error is inherited or drained on its own thread into a bounded tail, so a child that writes a
/// lot of errors can never block on a full pipe and its last words are at hand when it fails.
/// With `ownProcessGroup` the child leads a new process group, so that a Ctrl-C on the terminal
/// reaches only this process (a supervisor then stops its children in order). Signal dispositions
/// and the signal mask are reset to the defaults, since ignored signals would be inherited.
/// `stop` (also run on deinit) stops and reaps the child, so no zombie is left.
public final class ChildProcess: @unchecked Sendable {
    public enum Output: Sendable {
        /// The child writes where this process writes.
        case inherit
        /// Piped to this process: read it with `readOutput(into:)` or `readAllOutput()`.
        case pipe
    }

    public enum ErrorOutput: Sendable {
        case inherit
        /// The last `limit` bytes are kept for `errorLines(last:)`.
        case tail(limit: Int)
    }

    public struct Options: Sendable {
        public var standardOutput: Output
        public var standardError: ErrorOutput
        /// The child's whole environment; nil passes this process's own.
        public var environment: [String: String]?
        public var ownProcessGroup: Bool

        public init(
            standardOutput: Output = .inherit, standardError: ErrorOutput = .inherit,
            environment: [String: String]? = nil, ownProcessGroup: Bool = false
        ) {
            self.standardOutput = standardOutput
            self.standardError = standardError
            self.environment = environment
            self.ownProcessGroup = ownProcessGroup
        }
    }

    /// How the child ended.
    public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        /// Ended with a status of sysexits.h.
        public static func exited(_ status: SysexitsStatus) -> ExitStatus { .exited(status.rawValue) }

        /// As a shell reports it: the exit status, or 128 + the signal.
        public var shellStatus: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): 128 + signal
            }
        }

        public var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    public let executable: String
    public let arguments: [String]
    public let pid: pid_t
    /// The read end of the piped standard output; -1 when not piped or closed.
    private let output: Mutex<Int32>
    private let outputPiped: Bool
    private let errorTail: OutputTail?
    private let state = Mutex<ExitStatus?>(nil)

    /// Pipes are created and marked close-on-exec under this lock, so that no child started at the
    /// same time from another thread inherits the other end (which would keep a pipe from ending).
    private static let spawnLock = Mutex(())

    public init(executable: String, arguments: [String], options: Options = Options()) throws(ChildProcessError) {
        self.executable = executable
        self.arguments = arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if options.ownProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment = options.environment
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }

        let spawned: Result<(pid: pid_t, output: Int32?, error: Int32?), ChildProcessError> = Self.spawnLock.withLock { _ in
            var outputPipe: [Int32]?
            var errorPipe: [Int32]?
            func closeAll() {
                for descriptor in (outputPipe ?? []) + (errorPipe ?? []) { close(descriptor) }
            }
            if case .pipe = options.standardOutput {
                guard let pipe = Self.makePipe() else { return .failure(.cannotStart(executable: executable, reason: Self.errnoText())) }
                outputPipe = pipe
                posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
            }
            if case .tail = options.standardError {
                guard let pipe = Self.makePipe() else {
                    closeAll()
                    return .failure(.cannotStart(executable: executable, reason: Self.errnoText()))
                }
                errorPipe = pipe
                posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
            }
            var pid: pid_t = 0
            let result: Int32
            if let envp {
                result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            } else {
                result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
            }
            // The write ends belong to the child now.
            if let outputPipe { close(outputPipe[1]) }
            if let errorPipe { close(errorPipe[1]) }
            guard result == 0 else {
                if let outputPipe { close(outputPipe[0]) }
                if let errorPipe { close(errorPipe[0]) }
                return .failure(.cannotStart(executable: executable, reason: String(cString: strerror(result))))
            }
            return .success((pid, outputPipe?[0], errorPipe?[0]))
        }
        let child = try spawned.get()
        pid = child.pid
        output = Mutex(child.output ?? -1)
        outputPiped = child.output != nil
        #if os(Linux)
            // A 1 MiB pipe lets a child write a whole frame without waiting for each 64 KiB to be read;
            // where the system refuses, the default size still works.
            if let descriptor = child.output { _ = fcntl(descriptor, 1031 /* F_SETPIPE_SZ */, Int32(1 << 20)) }
        #endif
        if case .tail(let limit) = options.standardError, let descriptor = child.error {
            let tail = OutputTail(limit: limit)
            errorTail = tail
            Thread.detachNewThread { tail.drain(descriptor) }
        } else {
            errorTail = nil
        }
    }

    deinit {
        stop(timeout: .seconds(2))
        closeOutput()
    }

    /// How the child ended, once it has ended and been reaped.
    public var exit: ExitStatus? { state.withLock { $0 } }

    /// Reaps the child if it has ended; true while it runs.
    public var isRunning: Bool { reap() == nil }

    public func send(_ signal: Int32) {
        state.withLock { exit in
            if exit == nil { _ = kill(pid, signal) }
        }
    }

    /// Waits for the child to end and reaps it.
    @discardableResult
    public func waitForExit() -> ExitStatus {
        // Waits without reaping and without the lock, so that `send` and `isRunning` from other
        // threads never wait behind a blocked wait; the reap below then finds the child ended.
        var info = siginfo_t()
        while state.withLock({ $0 == nil }) && waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        // Nil only if the child was never ours to wait for (waitid failed): report it as lost.
        return reap() ?? .exited(-1)
    }

    /// Asks the child to stop (SIGTERM) and waits up to `timeout`, then kills it (SIGKILL), and
    /// reaps it. A piped output is closed first, so a child blocked writing to it gets EPIPE.
    public func stop(timeout: Duration) {
        guard isRunning else { return }
        closeOutput()
        send(SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        if isRunning {
            send(SIGKILL)
            waitForExit()
        }
    }

    /// Reads what the child has written to its piped standard output, at most `buffer.count`
    /// bytes; 0 at the end of its output.
    public func readOutput(into buffer: UnsafeMutableRawBufferPointer) throws(ChildProcessError) -> Int {
        guard outputPiped else { throw .notPiped(executable: executable) }
        let outputDescriptor = output.withLock { $0 }
        while true {
            let count = read(outputDescriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw .cannotRead(executable: executable, reason: Self.errnoText()) }
        }
    }

    /// The whole piped standard output, read to its end.
    public func readAllOutput() throws(ChildProcessError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(ChildProcessError) -> Int in try readOutput(into: buffer) }
            }.get()
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }

    /// Waits up to `timeoutMilliseconds` for the piped standard output to have bytes to read (or to
    /// reach its end); false when the time ran out. A live stream's reader uses it to notice silence.
    public func waitForOutput(timeoutMilliseconds: Int32) -> Bool {
        let outputDescriptor = output.withLock { $0 }
        guard outputDescriptor >= 0 else { return true }
        var descriptor = pollfd(fd: outputDescriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, timeoutMilliseconds)
            if ready >= 0 { return ready > 0 }
            if errno != EINTR { return true }  // let the read report the error
        }
    }

    /// The last `count` non-empty lines the child wrote to standard error (with `.tail`), once it
    /// has closed it or after a short wait.
    public func errorLines(last count: Int) -> [String] {
        guard let errorTail else { return [] }
        let deadline = ContinuousClock.now + .seconds(1)
        while !errorTail.finished && ContinuousClock.now < deadline { usleep(5_000) }
        return errorTail.text.split(whereSeparator: \.isNewline).suffix(count).map { String($0) }
    }

    /// The executable to run for `name`: `name` itself when it is a path (it holds a "/"), else the
    /// first executable of that name in the directories of `searchPath` (PATH's syntax).
    public static func locate(_ name: String, searchPath: String?) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    private func closeOutput() {
        output.withLock { descriptor in
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }
    }

    /// Reaps the child if it has ended, without waiting; its exit status once it has.
    private func reap() -> ExitStatus? {
        state.withLock { exit in
            if let exit { return exit }
            var status: Int32 = 0
            var result: pid_t
            repeat {
                result = waitpid(pid, &status, WNOHANG)
            } while result < 0 && errno == EINTR
            guard result == pid else { return nil }
            // WIFEXITED / WTERMSIG are macros Swift cannot import: the low 7 bits are the signal.
            let signal = status & 0x7F
            exit = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
            return exit
        }
    }

    private static func makePipe() -> [Int32]? {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { return nil }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        return descriptors
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Why a child could not be started or read.
public enum ChildProcessError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotStart(executable: String, reason: String)
    case cannotRead(executable: String, reason: String)
    case notPiped(executable: String)

    public var description: String {
        switch self {
        case .cannotStart(let executable, let reason): "cannot start \(executable): \(reason)"
        case .cannotRead(let executable, let reason): "cannot read the output of \(executable): \(reason)"
        case .notPiped(let executable): "the output of \(executable) is not piped"
        }
    }

    /// The reason alone, for messages that name the program themselves.
    public var reason: String {
        switch self {
        case .cannotStart(_, let reason), .cannotRead(_, let reason): reason
        case .notPiped: "output not piped"
        }
    }
}

/// The last `limit` bytes written to a stream, shared between the thread that drains the stream
/// and the one that reports on it.
private final class OutputTail: Sendable {
    private let limit: Int
    private let state = Mutex<(bytes: [UInt8], finished: Bool)>(([], false))

    init(limit: Int) {
        self.limit = limit
    }

    func append(_ chunk: ArraySlice<UInt8>) {
        state.withLock { state in
            state.bytes += chunk
            if state.bytes.count > limit { state.bytes.removeFirst(state.bytes.count - limit) }
        }
    }

    /// Reads `descriptor` to its end (the child and everything it started closed it), then closes it.
    func drain(_ descriptor: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                append(buffer[..<count])
            } else if count < 0, errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(descriptor)
        state.withLock { $0.finished = true }
    }

    var finished: Bool { state.withLock { $0.finished } }

    var text: String {
        state.withLock { String(decoding: $0.bytes, as: UTF8.self) }
    }
}
