import Foundation
import Synchronization
import Timing

/// The frames a live source captured and the ingest has not taken yet: at most `capacity`, the
/// oldest dropped (and counted) when a new one arrives, so that a slow pipeline gets the newest
/// frames instead of a growing backlog. Filled by the capture thread, emptied by the sender.
final class LatestFrames: Sendable {
    private struct Contents {
        var frames: [SourceFrame] = []
        var dropped = 0
        var closed = false
    }

    let capacity: Int
    private let contents = Mutex(Contents())
    private let arrivals = DispatchSemaphore(value: 0)

    init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    /// Adds a frame, dropping the oldest waiting one when full.
    func push(_ frame: SourceFrame) {
        contents.withLock { contents in
            if contents.frames.count == capacity {
                contents.frames.removeFirst()
                contents.dropped += 1
            }
            contents.frames.append(frame)
        }
        arrivals.signal()
    }

    /// The oldest waiting frame, waiting up to `wait` for one; nil when none came or after close.
    func pop(waitingUpTo wait: Duration) -> SourceFrame? {
        let deadline = ContinuousClock.now + wait
        while true {
            let (frame, closed) = contents.withLock { contents in
                (contents.frames.isEmpty ? nil : contents.frames.removeFirst(), contents.closed)
            }
            if let frame { return frame }
            let remaining = deadline - ContinuousClock.now
            if closed || remaining <= .zero { return nil }
            // A signal may be left over from a frame already taken: the loop checks again.
            _ = arrivals.wait(timeout: .now() + .nanoseconds(Int(remaining.inSeconds * 1e9)))
        }
    }

    /// Frames dropped because newer ones arrived before the ingest could take them.
    var dropped: Int { contents.withLock(\.dropped) }

    /// Frames waiting.
    var count: Int { contents.withLock(\.frames.count) }

    /// Wakes a waiting `pop` for good.
    func close() {
        contents.withLock { $0.closed = true }
        arrivals.signal()
    }
}
