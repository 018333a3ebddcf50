import Foundation
import Logging
import Testing

@testable import Messaging
@testable import PipelineProtocol
@testable import Timing

@Suite("ZeroMQ sockets")
struct ZMQSocketTests {
    @Test func multipartMessagesArriveWhole() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket(context, .pull)
        try pull.bind("inproc://parts")
        let push = try ZMQSocket(context, .push)
        try push.connect("inproc://parts")
        let parts: [[UInt8]] = [[1, 2, 3], [], [UInt8](repeating: 9, count: 100_000)]
        #expect(try push.send(parts, timeoutMilliseconds: 1000))
        #expect(try pull.receive(timeoutMilliseconds: 1000) == parts)
    }

    @Test func receiveTimesOutWithNil() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket(context, .pull)
        try pull.bind("inproc://quiet")
        let start = ContinuousClock.now
        #expect(try pull.receive(timeoutMilliseconds: 50) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(40))
    }

    @Test func sendReportsAFullQueueInsteadOfBlocking() throws {
        let context = ZMQContext()
        // No peer: a PUSH socket with IMMEDIATE has nowhere to queue.
        let push = try ZMQSocket(context, .push, highWaterMark: 1)
        try push.setImmediate(true)
        try push.connect("tcp://127.0.0.1:1")
        #expect(try push.send([[1]], timeoutMilliseconds: 0) == false)
        #expect(try push.send([[1]], timeoutMilliseconds: 30) == false)
    }

    @Test func bindingABusyAddressIsATypedError() throws {
        let context = ZMQContext()
        let first = try ZMQSocket(context, .pull)
        try first.bind("tcp://127.0.0.1:0")
        let second = try ZMQSocket(context, .pull)
        let port = Int.random(in: 40_000...50_000)
        try second.bind("tcp://127.0.0.1:\(port)")
        let third = try ZMQSocket(context, .pull)
        let error = #expect(throws: ZMQError.self) { try third.bind("tcp://127.0.0.1:\(port)") }
        #expect(error?.code == EADDRINUSE)
        #expect(error?.description.contains("bind tcp://127.0.0.1:\(port)") == true)
    }

    @Test func pollerReportsReadableSockets() throws {
        let context = ZMQContext()
        let a = try ZMQSocket(context, .pull)
        let b = try ZMQSocket(context, .pull)
        try a.bind("inproc://a")
        try b.bind("inproc://b")
        let push = try ZMQSocket(context, .push)
        try push.connect("inproc://b")
        try push.send([[42]], timeoutMilliseconds: 1000)
        #expect(try ZMQPoller.readable([a, b], timeoutMilliseconds: 1000) == [1])
    }

    @Test func oversizedMessagesAreTruncatedToShowTheirPartCount() throws {
        let context = ZMQContext()
        let pull = try ZMQSocket(context, .pull)
        try pull.bind("inproc://many")
        let push = try ZMQSocket(context, .push)
        try push.connect("inproc://many")
        try push.send((0..<20).map { [UInt8($0)] }, timeoutMilliseconds: 1000)
        try push.send([[7]], timeoutMilliseconds: 1000)
        let received = try pull.receive(timeoutMilliseconds: 1000, maxParts: 3)
        #expect(received?.count == 4)
        // The rest of the long message was consumed: the next receive gets the next message.
        #expect(try pull.receive(timeoutMilliseconds: 1000) == [[7]])
    }
}

@Suite("Broker and logs")
struct BrokerTests {
    @Test func brokerSpreadsFramesOverWorkersAndBack() async throws {
        let base = Int.random(in: 20_000...40_000)
        let endpoints = PipelineEndpoints(basePort: base)
        let broker = try Broker.service(
            BrokerConfiguration(endpoints: endpoints, highWaterMark: 4),
            logger: Logger(label: "test"))
        let runner = Task { try await broker.run() }

        let context = ZMQContext()
        let ingest = try ZMQSocket(context, .push)
        try ingest.connect(endpoints.connect(.framesIn))
        let workers = try (0..<2).map { _ in
            let socket = try ZMQSocket(context, .pull, highWaterMark: 1)
            try socket.connect(endpoints.connect(.framesOut))
            return socket
        }
        try await Task.sleep(for: .milliseconds(200))
        for seq in 0..<40 { #expect(try ingest.send([[UInt8(seq)]], timeoutMilliseconds: 2000)) }
        var received: [Int: Int] = [:]
        var seen = Set<UInt8>()
        while seen.count < 40 {
            let ready = try ZMQPoller.readable(workers, timeoutMilliseconds: 2000)
            #expect(!ready.isEmpty)
            if ready.isEmpty { break }
            for index in ready {
                while let parts = try workers[index].receive(timeoutMilliseconds: 0) {
                    seen.insert(parts[0][0])
                    received[index, default: 0] += 1
                }
            }
        }
        #expect(seen.count == 40)
        #expect(received[0, default: 0] > 5 && received[1, default: 0] > 5)
        // Cancellation (as on SIGTERM) stops both devices and the service ends without an error.
        runner.cancel()
        try await runner.value
    }

    @Test func malformedLogCountsEveryFaultButLogsEachKindOncePerInterval() {
        let recorded = LogRecorder()
        let logger = Logger(label: "test") { _ in recorded }
        let log = MalformedMessageLog(logger: logger, interval: .seconds(60))
        for _ in 0..<5 { log.record(.badVersion(2), socket: "frames") }
        log.record(.wrongPartCount(expected: 2, got: 1), socket: "frames")
        #expect(log.total == 6)
        #expect(log.counts["bad_version"] == 5)
        #expect(recorded.messages.count == 2)
    }
}

/// A log handler that keeps what it is given.
final class LogRecorder: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var messages: [String] { lock.withLock { stored } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lock.withLock { stored.append("\(event.message)") }
    }
}
