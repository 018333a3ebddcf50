import Foundation
import TestSupport
import Testing

@testable import CommandLineSupport

@Suite struct ProgressBarTests {
    /// The text between the brackets.
    private func bar(_ line: String) throws -> Substring {
        let open = try #require(line.firstIndex(of: "["), "no bar in \(line)")
        let close = try #require(line.firstIndex(of: "]"), "no bar in \(line)")
        return line[line.index(after: open)..<close]
    }

    @Test(arguments: [(0, 40), (1, 30), (10, 40), (20, 40), (29, 30), (40, 40), (7, 9), (1, 3), (2, 3), (99, 100)])
    func barFillsInProportion(done: Int, total: Int) throws {
        let line = ProgressBar.line(label: "eval", done: done, total: total, elapsed: .seconds(2), note: "")
        let bar = try bar(line)
        let filled = bar.filter { $0 == "#" }.count
        #expect(bar.allSatisfy { $0 == "#" || $0 == "-" })
        #expect(!bar.contains("-#"), "filled part comes first: \(bar)")
        // Filled cells are the finished share of the bar, rounded down.
        #expect(filled == bar.count * done / total, "\(line)")
        #expect(line.hasPrefix("eval ["))
        // After the bar: the count, then the percentage (these fractions are not halfway cases).
        let after = try #require(line.split(separator: "]").last).split(separator: " ")
        try #require(after.count >= 2, "\(line)")
        #expect(after[0] == "\(done)/\(total)", "\(line)")
        let percent = Int((100 * Double(done) / Double(total)).rounded())
        #expect(after[1] == "\(percent)%", "\(line)")
    }

    @Test func emptyAndFullBars() throws {
        let empty = try bar(ProgressBar.line(label: "x", done: 0, total: 10, elapsed: .zero, note: ""))
        let full = try bar(ProgressBar.line(label: "x", done: 10, total: 10, elapsed: .seconds(1), note: ""))
        #expect(!empty.isEmpty && empty.allSatisfy { $0 == "-" })
        #expect(full.count == empty.count && full.allSatisfy { $0 == "#" })
    }

    /// Counts past the total (a caller's off-by-one) never overflow the bar.
    @Test func overCountIsCapped() throws {
        let line = ProgressBar.line(label: "x", done: 12, total: 10, elapsed: .seconds(1), note: "")
        let full = try bar(line)
        #expect(full.allSatisfy { $0 == "#" })
        #expect(line.contains("100%"))
    }

    @Test func rateTimeLeftAndNote() {
        let line = ProgressBar.line(label: "bench", done: 30, total: 90, elapsed: .seconds(3), note: "2 failed")
        #expect(line.contains("10/s"), "\(line)")  // 30 images in 3 s
        #expect(line.contains("ETA 6s"), "\(line)")  // 60 left at 10/s
        #expect(line.hasSuffix(" 2 failed"))
        let noNote = ProgressBar.line(label: "bench", done: 30, total: 90, elapsed: .seconds(3), note: "")
        #expect(!noNote.hasSuffix(" "))
    }

    @Test func zeroElapsedHasNoRate() {
        let line = ProgressBar.line(label: "x", done: 0, total: 5, elapsed: .zero, note: "")
        #expect(line.contains("0/s") && line.contains("ETA 0s"), "\(line)")
        #expect(!line.contains("nan") && !line.contains("inf"))
    }
}
