import Benchmarks
import CommandLineSupport
import Foundation
import Logging
import ResultDatabase
import SQLite
import TestSupport
import Testing

@Suite struct RecorderBenchmarkTests {
    /// bench/reference/recorder_sqlite3.py, found from this file's place in the repository.
    private static let referenceScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("bench/reference/recorder_sqlite3.py").path
    private static let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

    /// Runs the reference script and decodes its JSON line.
    private func runReference(database: String, frames: Int, facesPerFrame: Int, batch: Int, runs: Int) throws -> RecorderBenchmark.Measurement {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            Self.referenceScript, "--db", database, "--frames", String(frames),
            "--faces-per-frame", String(facesPerFrame), "--batch", String(batch), "--runs", String(runs)
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "the reference script failed")
        return try JSONDecoder().decode(RecorderBenchmark.Measurement.self, from: data)
    }

    private func rows(_ path: String, _ sql: String) throws -> [[SQLiteValue]] {
        let statement = try Database(path: path, configuration: .init(access: .readOnly)).prepare(sql)
        var rows: [[SQLiteValue]] = []
        while try statement.step() { rows.append((0..<statement.columnCount).map { statement.value(at: $0) }) }
        return rows
    }

    @Test func recordsEveryRowAndReportsConsistentRates() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let path = directory.appendingPathComponent("bench.db").path
        let measurement = try RecorderBenchmark.run(path: path, frames: 250, facesPerFrame: 3, batch: 40, runs: 3)
        #expect(measurement.medianSeconds > 0)
        #expect(abs(measurement.faceRowsPerSecond - 750 / measurement.medianSeconds) < 1e-6 * measurement.faceRowsPerSecond)
        #expect(
            try rows(path, "SELECT count(*), sum(face_count), (SELECT count(*) FROM faces) FROM frames")
                == [[.integer(250), .integer(750), .integer(750)]], "the last run's rows stay")
    }

    /// The comparison is fair only if the script writes the same rows into the same schema.
    @Test(.enabled(if: hasPython, "needs /usr/bin/python3"))
    func referenceScriptWritesTheSameSchemaAndRows() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let ours = directory.appendingPathComponent("ours.db").path, theirs = directory.appendingPathComponent("theirs.db").path
        _ = try RecorderBenchmark.run(path: ours, frames: 60, facesPerFrame: 4, batch: 25, runs: 1)
        let reference = try runReference(database: theirs, frames: 60, facesPerFrame: 4, batch: 25, runs: 1)
        #expect(reference.faceRowsPerSecond > 0)
        for sql in [
            "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name", "PRAGMA user_version", "PRAGMA journal_mode",
            "SELECT source, seq, captured_at, width, height, face_count, detect_ms, classify_ms FROM frames ORDER BY seq",
            "SELECT seq, face_index, x, y, w, h, emotion FROM face_results ORDER BY seq, face_index"
        ] {
            #expect(try rows(ours, sql) == rows(theirs, sql), "\(sql)")
        }
        #expect(try rows(ours, "SELECT count(*) FROM faces") == [[.integer(240)]])
    }

    /// `MOODWIRE_BENCH_RECORDER=1`: ResultStore and the Python reference at full size, in one run.
    @Test(.enabled(if: hasPython && ProcessInfo.processInfo.environment["MOODWIRE_BENCH_RECORDER"] == "1"))
    func measuresAgainstPythonSQLite3() throws {
        let directory = try makeTemporaryFolder()
        defer { removeTemporaryFolder(directory) }
        let ours = try RecorderBenchmark.run(
            path: directory.appendingPathComponent("ours.db").path, frames: 20_000, facesPerFrame: 5, batch: 100, runs: 7)
        let reference = try runReference(
            database: directory.appendingPathComponent("theirs.db").path, frames: 20_000, facesPerFrame: 5, batch: 100, runs: 7)
        print("ResultStore:            " + ours.line)
        print("Python sqlite3 (ref.):  " + reference.line)
        print(String(format: "ratio ResultStore / Python: %.2f", ours.faceRowsPerSecond / reference.faceRowsPerSecond))
        #expect(ours.faceRowsPerSecond > reference.faceRowsPerSecond)
    }
}
