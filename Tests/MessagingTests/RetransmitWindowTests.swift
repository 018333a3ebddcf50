import Testing

@testable import Messaging

/// The window on instants the tests choose: which messages are due, in which order, what an
/// acknowledgement, a re-send and an expiry leave behind, and how measured round trips and re-sends
/// stretch the wait.
@Suite("Retransmit window")
struct RetransmitWindowTests {
    let start = ContinuousClock.now

    func at(milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    /// A window with a one-second minimum timeout that sent `messages` (a seq, and when:
    /// milliseconds after `start`) in that order, each with its seq's byte as its parts.
    func windowSent(_ messages: [(seq: UInt64, milliseconds: Int)]) -> RetransmitWindow<UInt64> {
        var window = RetransmitWindow<UInt64>(minimumTimeout: .seconds(1))
        for (seq, milliseconds) in messages { window.sent(seq, parts: [[UInt8(seq)]], at: at(milliseconds: milliseconds)) }
        return window
    }

    @Test func messagesAreDueOldestFirstOnceOldEnough() {
        let window = windowSent([(7, 0), (3, 100), (5, 200)])

        #expect(window.due(at: at(milliseconds: 999)).isEmpty)
        let due = window.due(at: at(milliseconds: 1100))
        #expect(due.map(\.key) == [7, 3])
        #expect(due.map(\.parts) == [[[7]], [[3]]])
        #expect(window.count == 3)
    }

    @Test func anAcknowledgedMessageIsForgotten() {
        var window = windowSent([(1, 0), (2, 10)])

        let answers = [window.acknowledged(1, at: at(milliseconds: 20)), window.acknowledged(1, at: at(milliseconds: 20))]
        #expect(answers == [true, false])
        let unknownWasWaiting = window.acknowledged(9, at: at(milliseconds: 20))
        #expect(!unknownWasWaiting)
        #expect(window.count == 1)
        #expect(window.due(at: at(milliseconds: 5000)).map(\.key) == [2])
        let lastWasWaiting = window.acknowledged(2, at: at(milliseconds: 5000))
        #expect(lastWasWaiting)
        #expect(window.isEmpty)
        #expect(window.due(at: at(milliseconds: 9000)).isEmpty)
    }

    /// Each re-send doubles the message's own wait, so that a machine too slow for the timeout is
    /// not sent copy after copy; the others keep theirs.
    @Test func aResentMessageWaitsTwiceAsLongBehindTheOthers() {
        var window = windowSent([(1, 0), (2, 500)])
        window.resent(1, at: at(milliseconds: 1000))

        #expect(window.due(at: at(milliseconds: 1500)).map(\.key) == [2])
        #expect(window.due(at: at(milliseconds: 2999)).map(\.key) == [2])
        #expect(window.due(at: at(milliseconds: 3000)).map(\.key) == [2, 1])
        window.resent(1, at: at(milliseconds: 3000))
        #expect(window.due(at: at(milliseconds: 6999)).map(\.key) == [2])
        #expect(window.due(at: at(milliseconds: 7000)).map(\.key) == [2, 1])
        window.resent(9, at: at(milliseconds: 7000))
        #expect(window.count == 2)
    }

    @Test func sendingAKeyAgainReplacesItsMessage() {
        var window = RetransmitWindow<String>(minimumTimeout: .seconds(1))
        window.sent("a", parts: [[1]], at: at(milliseconds: 0))
        window.sent("b", parts: [[2]], at: at(milliseconds: 100))
        window.sent("a", parts: [[3]], at: at(milliseconds: 200))

        let due = window.due(at: at(milliseconds: 1200))
        #expect(due.map(\.key) == ["b", "a"])
        #expect(due.map(\.parts) == [[[2]], [[3]]])
        #expect(window.count == 2)
    }

    @Test func expiryForgetsTheOldMessagesAndKeepsTheRest() {
        var window = windowSent([(4, 0), (2, 100)])
        window.resent(4, at: at(milliseconds: 150))
        window.sent(6, parts: [[6]], at: at(milliseconds: 900))

        let expired = window.expire(at: at(milliseconds: 1150))
        #expect(expired == [2, 4])
        #expect(window.count == 1)
        let expiredAgain = window.expire(at: at(milliseconds: 1150))
        #expect(expiredAgain.isEmpty)
        #expect(window.due(at: at(milliseconds: 1900)).map(\.key) == [6])
    }

    /// RFC 6298: round trips of 3 s make the timeout SRTT + 4 RTTVAR (9 s after the first), well
    /// above the 1 s minimum, so frames that are merely queued on a slow machine are not sent again;
    /// once acknowledgements are fast again, it falls back to the minimum.
    @Test func measuredRoundTripsStretchTheTimeoutAndFastOnesBringItBack() {
        var window = windowSent([(1, 0)])
        #expect(window.timeout == .seconds(1))
        window.acknowledged(1, at: at(milliseconds: 3000))
        #expect(window.timeout == .seconds(9))

        window.sent(2, parts: [[2]], at: at(milliseconds: 3000))
        #expect(window.due(at: at(milliseconds: 11_999)).isEmpty)
        #expect(window.due(at: at(milliseconds: 12_000)).map(\.key) == [2])
        #expect(window.expire(at: at(milliseconds: 12_000)) == [2])

        for seq in UInt64(10)..<60 {
            let sentAt = 12_000 + Int(seq) * 20
            window.sent(seq, parts: [[1]], at: at(milliseconds: sentAt))
            window.acknowledged(seq, at: at(milliseconds: sentAt + 10))
        }
        #expect(window.timeout == .seconds(1))
    }

    /// Karn's algorithm: the acknowledgement of a message sent twice may answer either send, so it
    /// is not measured.
    @Test func anAcknowledgedResendIsNotMeasured() {
        var window = windowSent([(1, 0)])
        window.resent(1, at: at(milliseconds: 1000))
        window.acknowledged(1, at: at(milliseconds: 20_000))
        #expect(window.timeout == .seconds(1))
    }

    /// Many sends, nearly all acknowledged, so that stale sends pile up and are given back: the
    /// waiting messages are still due in the order sent.
    @Test func aLongRunKeepsOnlyTheWaitingMessages() {
        var window = RetransmitWindow<UInt64>(minimumTimeout: .seconds(1))
        for seq in UInt64(0)..<1000 {
            window.sent(seq, parts: [[UInt8(seq % 256)]], at: at(milliseconds: Int(seq)))
            if seq >= 1, (seq - 1) % 100 != 99 { window.acknowledged(seq - 1, at: at(milliseconds: Int(seq))) }
        }

        let waiting = Array(stride(from: UInt64(99), through: 999, by: 100))
        #expect(window.count == waiting.count)
        #expect(window.due(at: at(milliseconds: 2000)).map(\.key) == waiting)
        #expect(window.due(at: at(milliseconds: 1199)).map(\.key) == [99, 199])
    }
}
