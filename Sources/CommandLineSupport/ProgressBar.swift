import Foundation
import Timing

/// A one-line progress bar on standard error, drawn only when standard error is a terminal so
/// that logs and CI output stay clean. Redraws at most ten times a second.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let started = ContinuousClock.now
    private var lastDraw: ContinuousClock.Instant?

    public init(total: Int, label: String, enabled: Bool = isatty(STDERR_FILENO) != 0) {
        self.total = max(total, 1)
        self.label = label
        self.enabled = enabled
    }

    /// Shows that `done` of the total are finished; `note` is appended (e.g. a failure count).
    public func update(_ done: Int, note: String = "") {
        guard enabled else { return }
        let now = ContinuousClock.now
        if let lastDraw, now - lastDraw < .milliseconds(100), done < total { return }
        lastDraw = now
        FileHandle.standardError.write(
            Data(
                ("\r"
                    + Self.line(
                        label: label, done: done, total: total,
                        elapsed: now - started, note: note)).utf8))
    }

    /// Clears the bar so that the next output starts on a clean line.
    public func finish() {
        guard enabled, lastDraw != nil else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    /// The bar's text: label, bar, count, percentage, rate and time left.
    static func line(label: String, done: Int, total: Int, elapsed: Duration, note: String) -> String {
        let width = 30
        let done = min(done, total)
        let fraction = min(1, Double(done) / Double(total))
        let filled = Int(fraction * Double(width))
        let seconds = elapsed.inSeconds
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        var text =
            "\(label) [" + String(repeating: "#", count: filled)
            + String(repeating: "-", count: width - filled) + "] \(done)/\(total) "
            + String(format: "%3.0f%% %.0f/s ETA %.0fs", fraction * 100, rate, remaining)
        if !note.isEmpty { text += " " + note }
        return text
    }
}
