import Foundation
import Synchronization

/// A child process (ffmpeg, ffprobe) whose standard output is read here as a byte stream, and
/// whose standard error is drained on its own thread into a bounded tail: a child that writes a
/// lot of errors can never block on a full pipe, and its last words are at hand for the message
/// when it fails. `terminate()` (also run on deinit) stops and reaps it, so no zombie is left.
final class ChildProcess {
    /// Why the child could not be started or read.
    struct Failure: Error, Sendable {
        let reason: String
    }

    let executable: String
    private let process = Process()
    private let output = Pipe()
    private let errorOutput = Pipe()
    private let errorTail = OutputTail(limit: 8192)
    private let errorDrained = DispatchSemaphore(value: 0)
    private var reaped = false

    /// Starts `executable` with `arguments`, standard input from /dev/null.
    init(executable: String, arguments: [String]) throws(Failure) {
        self.executable = executable
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errorOutput
        do {
            try process.run()
        } catch {
            reaped = true   // nothing to stop or reap
            throw Failure(reason: "\(error.localizedDescription)")
        }
        // A 1 MiB pipe (F_SETPIPE_SZ, Linux) lets the child write a whole frame without waiting
        // for each 64 KiB to be read; where the system refuses, the default size still works.
        #if os(Linux)
        _ = fcntl(output.fileHandleForReading.fileDescriptor, 1031 /* F_SETPIPE_SZ */, Int32(1 << 20))
        #endif
        let descriptor = errorOutput.fileHandleForReading.fileDescriptor
        let tail = errorTail, drained = errorDrained
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    tail.append(buffer[..<count])
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            drained.signal()
        }
    }

    deinit {
        terminate()
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// Reads what the child has written to standard output, at most `buffer.count` bytes; 0 at
    /// the end of its output.
    func readOutput(into buffer: UnsafeMutableRawBufferPointer) throws(Failure) -> Int {
        let descriptor = output.fileHandleForReading.fileDescriptor
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw Failure(reason: String(cString: strerror(errno))) }
        }
    }

    /// Waits up to `timeoutMilliseconds` for standard output to have bytes to read (or to reach
    /// its end); false when the time ran out. A live stream's reader uses it to notice silence.
    func waitForOutput(timeoutMilliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&descriptor, 1, timeoutMilliseconds)
            if ready >= 0 { return ready > 0 }
            if errno != EINTR { return true }   // let the read report the error
        }
    }

    /// Waits for the child to exit (after its output ended) and returns its exit status, or
    /// 128 + the signal that ended it, as a shell reports it.
    func waitForExit() -> Int32 {
        reap()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// The last `count` non-empty lines the child wrote to standard error.
    func errorLines(last count: Int) -> [String] {
        errorTail.text.split(whereSeparator: \.isNewline).suffix(count).map { String($0) }
    }

    /// Stops the child if it still runs and reaps it: its output is closed first (a child
    /// blocked writing to a full pipe gets EPIPE), then SIGTERM, then SIGKILL after two seconds.
    func terminate() {
        guard !reaped else { return }
        try? output.fileHandleForReading.close()
        if process.isRunning {
            process.terminate()
            let deadline = ContinuousClock.now + .seconds(2)
            while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        reap()
    }

    private func reap() {
        guard !reaped else { return }
        process.waitUntilExit()
        errorDrained.wait()
        try? errorOutput.fileHandleForReading.close()
        reaped = true
    }

    /// The executable to run for `name`: `name` itself when it is a path (it holds a "/"), else the
    /// first executable of that name in the directories of `searchPath` (PATH's syntax).
    static func locate(_ name: String, searchPath: String?) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}

/// The last `limit` bytes written to a stream, shared between the thread that drains the stream
/// and the one that reports on it.
private final class OutputTail: Sendable {
    private let limit: Int
    private let bytes = Mutex<[UInt8]>([])

    init(limit: Int) {
        self.limit = limit
    }

    func append(_ chunk: ArraySlice<UInt8>) {
        bytes.withLock { bytes in
            bytes += chunk
            if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
        }
    }

    var text: String {
        bytes.withLock { String(decoding: $0, as: UTF8.self) }
    }
}
