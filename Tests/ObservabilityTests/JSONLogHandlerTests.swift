import Foundation
import Logging
import Observability
import Synchronization
import Testing

/// Collects the lines a `JSONLogHandler` writes.
final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func handler(label: String, level: Logger.Level = .trace, metadataProvider: Logger.MetadataProvider? = nil) -> JSONLogHandler {
        var handler = JSONLogHandler(label: label, metadataProvider: metadataProvider) { bytes in
            self.lines.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
        }
        handler.logLevel = level
        return handler
    }
}

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func aLineIsOneJSONObjectWithTheFixedKeysAndFlattenedMetadata() throws {
        let captured = CapturedLines()
        var logger = Logger(label: "moodwire.ingest") { captured.handler(label: $0) }
        logger[metadataKey: "stage"] = "ingest"
        logger.info(
            "source finished",
            metadata: [
                "frames": "\(250)",
                "sizes": .array(["640", .stringConvertible(480)]),
                "box": .dictionary(["x": "1", "nested": .dictionary(["y": "2"])]),
                "source": "cam",
                "module": "shadow"
            ])
        let line = try #require(captured.all.first)
        #expect(captured.all.count == 1)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().firstIndex(of: "\n") == nil)
        #expect(line.hasPrefix(#"{"ts":""#))
        let document = try object(line)
        let timestamp = try #require(document["ts"] as? String)
        #expect(timestamp.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil)
        let parsed = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: timestamp))
        #expect(abs(parsed.timeIntervalSinceNow) < 60)
        #expect(document["level"] as? String == "info")
        #expect(document["label"] as? String == "moodwire.ingest")
        #expect(document["message"] as? String == "source finished")
        #expect(document["module"] as? String == "ObservabilityTests")
        // Metadata that would hide a fixed key is renamed, not dropped; `source` is ordinary metadata.
        #expect(document["meta.module"] as? String == "shadow")
        #expect(document["source"] as? String == "cam")
        #expect(document["stage"] as? String == "ingest")
        #expect(document["frames"] as? String == "250")
        #expect(document["sizes"] as? [String] == ["640", "480"])
        let box = try #require(document["box"] as? [String: Any])
        #expect(box["x"] as? String == "1")
        #expect((box["nested"] as? [String: String]) == ["y": "2"])
    }

    @Test func quotesNewlinesAndControlCharactersAreEscaped() throws {
        let captured = CapturedLines()
        let logger = Logger(label: "test") { captured.handler(label: $0) }
        let nasty = "say \"hi\"\\ then\nnew line\r\ttab \u{1}\u{1F} \u{7F} \u{2028} é 😀"
        logger.error("\(nasty)", metadata: ["path": "\(nasty)"])
        let line = try #require(captured.all.first)
        // Exactly one line: the newline inside the message is escaped, not written.
        #expect(line.filter { $0 == "\n" }.count == 1)
        #expect(line.contains(#"\"hi\"\\ then\nnew line\r\ttab \u0001\u001f \u007f \u2028 é 😀"#))
        let document = try object(line)
        #expect(document["message"] as? String == nasty)
        #expect(document["path"] as? String == nasty)
        #expect(document["level"] as? String == "error")
    }

    @Test func theLogLevelAndTheMetadataProviderAreHonoured() throws {
        let captured = CapturedLines()
        let provider = Logger.MetadataProvider { ["request": "42", "stage": "provider"] }
        let logger = Logger(label: "test") { captured.handler(label: $0, level: .notice, metadataProvider: provider) }
        logger.info("below the level")
        logger.debug("below the level too")
        logger.warning("above the level", metadata: ["stage": "call"])
        #expect(captured.all.count == 1)
        let document = try object(try #require(captured.all.first))
        #expect(document["message"] as? String == "above the level")
        #expect(document["request"] as? String == "42")
        // The call's metadata wins over the provider's.
        #expect(document["stage"] as? String == "call")
    }

    @Test func linesFromManyThreadsNeverInterleave() async throws {
        // The output hands over one byte at a time, as a slow pipe might: only the handler's own
        // lock keeps the lines of concurrent loggers whole.
        let bytes = Mutex<[UInt8]>([])
        let makeHandler: @Sendable (String) -> JSONLogHandler = { label in
            JSONLogHandler(label: label) { line in
                for byte in line { bytes.withLock { $0.append(byte) } }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    let logger = Logger(label: "test-\(task)", factory: makeHandler)
                    for index in 0..<100 { logger.info("message \(task)-\(index)", metadata: ["padding": "\(String(repeating: "x", count: 200))"]) }
                }
            }
        }
        let lines = String(decoding: bytes.withLock { $0 }, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 400)
        for line in lines { _ = try object(String(line)) }
    }
}

extension ISO8601DateFormatter {
    static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
