import Foundation
import Processes
import TestSupport
import Testing

@testable import CommandLineSupport
@testable import Imaging
@testable import Ingest

let sharedFaces = sharedData.appendingPathComponent("faces")

let ffmpegPath = ChildProcess.locate("ffmpeg", searchPath: ProcessInfo.processInfo.environment["PATH"])

extension Trait where Self == ConditionTrait {
    /// Runs when ../shared/data/faces is present, and always under CI.
    static var needsSharedFaces: Self {
        .enabled(
            if: FileManager.default.fileExists(atPath: sharedFaces.path) || runningInCI,
            "needs ../shared/data/faces (the face photos); see shared/data/README.md")
    }

    /// Runs when ffmpeg is on the PATH, and always under CI.
    static var needsFFmpeg: Self {
        .enabled(if: ffmpegPath != nil || runningInCI, "needs ffmpeg on the PATH (apt-get install ffmpeg)")
    }
}

/// Writes `bytes` to `relative` under `root` (creating folders) and returns the path.
@discardableResult
func writeFile(_ relative: String, in root: URL, _ bytes: [UInt8]) throws -> String {
    let url = root.appendingPathComponent(relative)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
    return url.path
}

func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// `jpeg` with an EXIF APP1 segment holding `orientation` inserted after SOI, as a camera writes it.
func withExifOrientation(_ jpeg: [UInt8], _ orientation: UInt8) -> [UInt8] {
    // TIFF, little-endian: header, IFD0 at offset 8 with one entry (0x0112 SHORT 1 value), no next IFD.
    let tiff: [UInt8] = [
        0x49, 0x49, 42, 0, 8, 0, 0, 0,
        1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0,
        0, 0, 0, 0
    ]
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg[2...]
}

/// Runs ffmpeg with `arguments` and fails the test with its standard error if it fails.
func runFFmpeg(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(ffmpegPath, "ffmpeg is not on the PATH"))
    process.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"] + arguments
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "ffmpeg \(arguments.joined(separator: " ")) failed: \(message)")
}

/// Makes a test-pattern video with ffmpeg: `seconds` at `rate` frames per second.
@discardableResult
func makeVideo(
    _ path: String, width: Int = 320, height: Int = 240, rate: Int = 10, seconds: String = "1.5",
    codec: [String] = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
) throws -> String {
    try runFFmpeg(["-f", "lavfi", "-i", "testsrc=size=\(width)x\(height):rate=\(rate)", "-t", seconds] + codec + [path])
    return path
}

/// All frames of a source until its end (at most `limit`, against a source that never ends).
func readAll(_ source: inout some FrameSource, limit: Int = 10_000) throws -> [SourceFrame] {
    var frames: [SourceFrame] = []
    while frames.count < limit, let frame = try source.next() { frames.append(frame) }
    return frames
}

/// The error `body` throws, for tests that check which one (nil, and an issue, for no error or
/// another kind).
func ingestError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> IngestError? {
    do {
        try body()
        Issue.record("no error was thrown", sourceLocation: sourceLocation)
    } catch let error as IngestError {
        return error
    } catch {
        Issue.record("expected an IngestError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
