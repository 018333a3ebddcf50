import Foundation
import Logging
import TestSupport
import Testing

@testable import Messaging
@testable import Supervisor
@testable import Timing

/// A `StackSupervisor` running on a thread of its own, as `moodwire up` runs it.
final class RunningStack: @unchecked Sendable {
    let supervisor: StackSupervisor
    private let stop = StopSignal()
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var ended = false

    init(_ configuration: StackConfiguration) throws {
        let supervisor = try StackSupervisor(configuration: configuration, logger: Logger(label: "test"))
        self.supervisor = supervisor
        let stop = self.stop, finished = self.finished
        Thread {
            do { try supervisor.run(stop: stop) } catch { Issue.record("stack failed: \(error)") }
            finished.signal()
        }.start()
    }

    /// Waits for the stack to end by itself (its file sources recorded); when it has not within
    /// `timeout`, stops it and returns false.
    func waitForEnd(timeout: Duration) -> Bool {
        if finished.wait(timeout: .now() + timeout.inSeconds) == .success {
            lock.withLock { ended = true }
            return true
        }
        stopAndWait()
        return false
    }

    /// Stops the stack (in order, as Ctrl-C does) and waits for it.
    func stopAndWait() {
        guard lock.withLock({ !ended }) else { return }
        stop.request()
        finished.wait()
        lock.withLock { ended = true }
    }
}
