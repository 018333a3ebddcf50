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

    /// Waits for the stack to end by itself (its file sources recorded) for as long as it makes
    /// progress: `progress()` (e.g. the frames recorded) must grow at least once every
    /// `stallTimeout`, so a slow or busy machine gets the time its speed needs while a stuck stack
    /// fails in bounded time. When the stack stalls, or runs past `limit`, stops it and returns false.
    func waitForEnd(progress: () -> Int, stallTimeout: Duration = .seconds(120), limit: Duration = .seconds(1200)) -> Bool {
        let start = ContinuousClock.now
        var last = progress(), lastChange = start
        while ContinuousClock.now - start < limit {
            if finished.wait(timeout: .now() + 1) == .success {
                lock.withLock { ended = true }
                return true
            }
            let now = progress()
            if now != last {
                last = now
                lastChange = ContinuousClock.now
            } else if ContinuousClock.now - lastChange > stallTimeout {
                break
            }
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
