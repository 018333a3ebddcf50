import Foundation
import Logging
import Synchronization
import TextFormats

/// A swift-log handler that writes one JSON object per line (for log collectors such as Loki,
/// Elasticsearch or `jq`):
///
///     {"ts":"2026-11-30T12:00:00.123Z","level":"info","label":"moodwire.ingest","message":"source finished","module":"Ingest","frames":"250","source":"cam"}
///
/// `ts` is UTC with milliseconds, `module` is the module that logged (swift-log's `source`, renamed
/// because the pipeline's own metadata uses `source` for the camera or file). Metadata (the handler's, then
/// the metadata provider's, then the call's, later ones winning) follows as top-level keys; nested
/// values stay JSON arrays and objects. A metadata key that is one of the fixed keys is written as
/// `meta.<key>` so that it never hides them.
public struct JSONLogHandler: LogHandler {
    /// The keys every line has, in this order.
    public static let fixedKeys = ["ts", "level", "label", "message", "module"]

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    private let output: @Sendable (_ line: [UInt8]) -> Void

    /// One lock for every handler in the process, held while a line is written: lines from
    /// different threads and loggers never interleave.
    private static let writeLock = Mutex<Void>(())

    /// A handler writing to standard error.
    public static func standardError(label: String, metadataProvider: Logger.MetadataProvider? = nil) -> JSONLogHandler {
        JSONLogHandler(label: label, metadataProvider: metadataProvider) { line in
            line.withUnsafeBufferPointer { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return }
                    offset += written
                }
            }
        }
    }

    /// A handler that hands each line, newline included, to `output` (tests capture lines this way).
    public init(
        label: String, metadataProvider: Logger.MetadataProvider? = nil,
        output: @escaping @Sendable (_ line: [UInt8]) -> Void
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = .string("\(error)") }
        let line = Self.line(
            timestamp: Self.timestamp(), level: event.level, label: label, message: event.message.description,
            source: event.source, metadata: merged)
        Self.writeLock.withLock { _ in output(line) }
    }

    /// One log line, newline included.
    static func line(
        timestamp: String, level: Logger.Level, label: String, message: String, source: String,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + message.utf8.count)
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in [
            ("ts", timestamp), ("level", level.rawValue), ("label", label), ("message", message),
            ("module", source)
        ].enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONText.appendString(value, to: &out)
        }
        // Sorted, so that the same metadata always reads the same.
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            out.append(UInt8(ascii: ","))
            JSONText.appendString(fixedKeys.contains(key) ? "meta." + key : key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendValue(value, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to out: inout [UInt8]) {
        switch value {
        case .string(let string):
            JSONText.appendString(string, to: &out)
        case .stringConvertible(let convertible):
            JSONText.appendString(convertible.description, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendValue(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, (key, element)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                appendValue(element, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Now, as `2026-11-30T12:00:00.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return timestamp(seconds: now.tv_sec, milliseconds: Int(now.tv_nsec / 1_000_000))
    }

    static func timestamp(seconds: time_t, milliseconds: Int) -> String {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2))T"
            + "\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2)).\(padded(Int32(milliseconds), 3))Z"
    }
}
