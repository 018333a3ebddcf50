/// Messages sent and not acknowledged yet, kept for sending again: a stage that dies takes the
/// messages in its queues with it, and a message that is never acknowledged would be a hole in the
/// history. The ingest keeps its frames here (by seq) and a classifier its results (by frame), as
/// the recorder's idempotent insert keys them, so a message sent twice is stored once.
///
/// When a message is due is TCP's rule (RFC 6298), so that a slow or busy machine is not flooded
/// with copies of messages that are merely queued: the timeout is the smoothed round trip of the
/// acknowledged messages plus four times its variation, never below `minimumTimeout`; only
/// messages sent once are measured (Karn's algorithm); and each re-send of a message doubles its
/// own wait, up to 16 timeouts.
///
/// The stages look for due messages on every pass of their loops, so that look costs nothing while
/// nothing is due: besides the messages by key, the window keeps their sends in the order made, and
/// only sends older than the timeout need a look. A send made stale (by the acknowledgement or a
/// later send of its message) is not searched for: it stays in that order until it reaches the
/// front. Sending and acknowledging are constant time on average; a look costs one step per send
/// older than the timeout.
public struct RetransmitWindow<Key: Hashable & Sendable>: Sendable {
    private struct Message: Sendable {
        var parts: [[UInt8]]
        /// The serial number of its latest send: the send in `sends` that is current.
        var latestSend: UInt64
        var latestSendInstant: ContinuousClock.Instant
        var sendCount: Int
    }

    private struct Send: Sendable {
        var key: Key
        var serial: UInt64
        var instant: ContinuousClock.Instant
    }

    /// The timeout is never shorter than this (the stage's `--ack-timeout`, `--resend-after`).
    public let minimumTimeout: Duration
    private var messages: [Key: Message] = [:]
    /// Every send still of interest, oldest first from `sends[oldest]`; the front one is current.
    private var sends: [Send] = []
    private var oldest = 0
    private var sendsMade: UInt64 = 0
    /// RFC 6298's SRTT and RTTVAR, once a round trip was measured.
    private var smoothedRoundTrip: Duration?
    private var roundTripVariation: Duration = .zero

    public init(minimumTimeout: Duration) {
        self.minimumTimeout = minimumTimeout
    }

    public var count: Int { messages.count }
    public var isEmpty: Bool { messages.isEmpty }

    /// How long a message sent once waits for its acknowledgement before it is due.
    public var timeout: Duration {
        guard let smoothedRoundTrip else { return minimumTimeout }
        return max(minimumTimeout, smoothedRoundTrip + roundTripVariation * 4)
    }

    /// Keeps `parts`, sent at `instant`, until `key` is acknowledged. Instants never go back from
    /// one send to the next (`ContinuousClock.now` does not), which keeps the sends in time order.
    public mutating func sent(_ key: Key, parts: [[UInt8]], at instant: ContinuousClock.Instant) {
        let serial = record(key, at: instant)
        messages[key] = Message(parts: parts, latestSend: serial, latestSendInstant: instant, sendCount: 1)
        dropStaleSends()
    }

    /// Forgets the message, acknowledged at `instant`; true when it was waiting.
    @discardableResult
    public mutating func acknowledged(_ key: Key, at instant: ContinuousClock.Instant) -> Bool {
        guard let message = messages.removeValue(forKey: key) else { return false }
        // A message sent twice or more cannot tell which send its acknowledgement answers.
        if message.sendCount == 1 { measure(instant - message.latestSendInstant) }
        dropStaleSends()
        return true
    }

    /// Messages whose wait is over at `now` (`timeout`, doubled per re-send), oldest send first.
    public func due(at now: ContinuousClock.Instant) -> [(key: Key, parts: [[UInt8]])] {
        let timeout = timeout
        var due: [(key: Key, parts: [[UInt8]])] = []
        for send in sends[oldest...] {
            guard let message = current(send) else { continue }
            let age = now - send.instant
            guard age >= timeout else { break }  // every later send is younger still
            if age >= timeout * (1 << min(message.sendCount - 1, 4)) { due.append((key: send.key, parts: message.parts)) }
        }
        return due
    }

    /// The message was sent again at `instant`.
    public mutating func resent(_ key: Key, at instant: ContinuousClock.Instant) {
        guard messages[key] != nil else { return }
        let serial = record(key, at: instant)
        messages[key]?.latestSend = serial
        messages[key]?.latestSendInstant = instant
        messages[key]?.sendCount += 1
        dropStaleSends()
    }

    /// Forgets the messages sent `timeout` or longer before `now` and returns their keys, oldest
    /// first: live frames that are not worth sending again.
    public mutating func expire(at now: ContinuousClock.Instant) -> [Key] {
        let timeout = timeout
        var expired: [Key] = []
        while oldest < sends.endIndex, now - sends[oldest].instant >= timeout {
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

    /// RFC 6298 section 2: the first round trip R sets SRTT = R and RTTVAR = R / 2; each next one
    /// moves RTTVAR a quarter and SRTT an eighth of the way.
    private mutating func measure(_ roundTrip: Duration) {
        guard let smoothed = smoothedRoundTrip else {
            smoothedRoundTrip = roundTrip
            roundTripVariation = roundTrip / 2
            return
        }
        let difference = smoothed > roundTrip ? smoothed - roundTrip : roundTrip - smoothed
        roundTripVariation = roundTripVariation * 0.75 + difference * 0.25
        smoothedRoundTrip = smoothed * 0.875 + roundTrip * 0.125
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
