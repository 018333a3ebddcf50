import Foundation
import Timing

/// The summary `moodwire up` prints when the stack stops.
public struct StackReport {
    public let summary: StackSummary
    public let databasePath: String

    public init(summary: StackSummary, databasePath: String) {
        self.summary = summary
        self.databasePath = databasePath
    }

    public func text() -> String {
        let seconds = summary.elapsed.inSeconds
        let rate = seconds > 0 ? Double(summary.totalFrames) / seconds : 0
        var lines = [
            "Recorded \(summary.totalFrames) frames (\(summary.totalFaces) faces) from \(summary.frames.count) "
                + "source\(summary.frames.count == 1 ? "" : "s") in " + String(format: "%.1f s (%.1f frames/s)", seconds, rate)
                + " into \(databasePath)"
        ]
        if !summary.frames.isEmpty {
            let width = max(6, summary.frames.keys.map(\.count).max() ?? 0)
            lines.append("  " + "source".padding(toLength: width, withPad: " ", startingAt: 0) + "  frames   faces")
            for source in summary.frames.keys.sorted() {
                lines.append(
                    "  " + source.padding(toLength: width, withPad: " ", startingAt: 0)
                        + String(format: "  %6d  %6d", summary.frames[source] ?? 0, summary.faces[source] ?? 0))
            }
        }
        if !summary.restarts.isEmpty {
            lines.append("Restarted: " + summary.restarts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
        }
        if summary.sourceFailed { lines.append("A source could not be read to its end; see the ingest's error above.") }
        lines.append("Query it: moodwire query --db \(databasePath) \"SELECT * FROM face_results LIMIT 10\"; moodwire report --db \(databasePath)")
        return lines.joined(separator: "\n")
    }
}
