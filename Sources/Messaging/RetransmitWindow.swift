/// Messages sent and not acknowledged yet, kept for sending again: a stage that dies takes the
/// messages in its queues with it, and a message that is never acknowledged would be a hole in the
/// history. The ingest keeps its frames here (by seq) and a classifier its results (by frame), as
/// the recorder's idempotent insert keys them, so a message sent twice is stored once.
///
/// The stages look for due messages on every pass of their loops, so that look costs nothing while
/// nothing is due: besides the messages by key, the window keeps their sends in the order made, and
/// only the oldest current send needs a look. A send made stale (by the acknowledgement or a later
/// send of its message) is not searched for: it stays in that order until it reaches the front,
/// which a stage clears within its timeout by sending the message there again or forgetting it.
/// Sending, acknowledging and the look for due messages are constant time on average; a look that
/// finds messages due costs one step per message due and per stale send among them.
public struct RetransmitWindow<Key: Hashable & Sendable>: Sendable {
    private struct Message: Sendable {
        var parts: [[UInt8]]
        /// The serial number of its latest send: the send in `sends` that is current.
        var latestSend: UInt64
    }

    private struct Send: Sendable {
        var key: Key
        var serial: UInt64
        var instant: ContinuousClock.Instant
    }

    private var messages: [Key: Message] = [:]
    /// Every send still of interest, oldest first from `sends[oldest]`; the front one is current.
    private var sends: [Send] = []
    private var oldest = 0
    private var sendsMade: UInt64 = 0

    public init() {}

    public var count: Int { messages.count }
    public var isEmpty: Bool { messages.isEmpty }

    /// Keeps `parts`, sent at `instant`, until `key` is acknowledged. Instants never go back from
    /// one send to the next (`ContinuousClock.now` does not), which keeps the sends in time order.
    public mutating func sent(_ key: Key, parts: [[UInt8]], at instant: ContinuousClock.Instant) {
        let serial = record(key, at: instant)
        messages[key] = Message(parts: parts, latestSend: serial)
        dropStaleSends()
    }

    /// Forgets the message; true when it was waiting.
    @discardableResult
    public mutating func acknowledged(_ key: Key) -> Bool {
        guard messages.removeValue(forKey: key) != nil else { return false }
        dropStaleSends()
        return true
    }

    /// Messages last sent at least `age` before `now`, oldest first.
    public func due(olderThan age: Duration, at now: ContinuousClock.Instant) -> [(key: Key, parts: [[UInt8]])] {
        var due: [(key: Key, parts: [[UInt8]])] = []
        for send in sends[oldest...] {
            guard let message = current(send) else { continue }
            guard now - send.instant >= age else { break }
            due.append((key: send.key, parts: message.parts))
        }
        return due
    }

    /// The message was sent again at `instant`.
    public mutating func resent(_ key: Key, at instant: ContinuousClock.Instant) {
        guard messages[key] != nil else { return }
        let serial = record(key, at: instant)
        messages[key]?.latestSend = serial
        dropStaleSends()
    }

    /// Forgets the messages last sent at least `age` before `now` and returns their keys, oldest
    /// first: live frames that are not worth sending again.
    public mutating func expire(olderThan age: Duration, at now: ContinuousClock.Instant) -> [Key] {
        var expired: [Key] = []
        while oldest < sends.endIndex, now - sends[oldest].instant >= age {
            let send = sends[oldest]
            if current(send) != nil {
                messages.removeValue(forKey: send.key)
                expired.append(send.key)
            }
            oldest += 1
        }
        dropStaleSends()
        return expired
    }

    /// Appends a send of `key` and returns its serial number.
    private mutating func record(_ key: Key, at instant: ContinuousClock.Instant) -> UInt64 {
        precondition(sends.last.map { $0.instant <= instant } ?? true, "send instants go back in time")
        sendsMade += 1
        sends.append(Send(key: key, serial: sendsMade, instant: instant))
        return sendsMade
    }

    /// The message `send` is the latest send of, if it is still waiting.
    private func current(_ send: Send) -> Message? {
        guard let message = messages[send.key], message.latestSend == send.serial else { return nil }
        return message
    }

    /// Moves past the stale sends at the front, and gives back the room of those left behind once
    /// they are half the array (which keeps the copy's cost constant per send on average).
    private mutating func dropStaleSends() {
        while oldest < sends.endIndex, current(sends[oldest]) == nil { oldest += 1 }
        if oldest == sends.endIndex {
            sends.removeAll(keepingCapacity: true)
            oldest = 0
        } else if oldest >= 32, oldest * 2 >= sends.count {
            sends.removeFirst(oldest)
            oldest = 0
        }
    }
}
