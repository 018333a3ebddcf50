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

/// A real JPEG of a colour pattern that differs with `seed`, so that images are told apart.
func makeJPEG(width: Int, height: Int, seed: Int = 0) throws -> [UInt8] {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let i = (y * width + x) * 3
            pixels[i] = UInt8(truncatingIfNeeded: x * 5 + seed * 40)
            pixels[i + 1] = UInt8(truncatingIfNeeded: y * 7 + seed * 13)
            pixels[i + 2] = UInt8(truncatingIfNeeded: (x ^ y) + seed)
        }
    }
    return [UInt8](try JPEGEncoder().encode(RGBImage(width: width, height: height, pixels: pixels)))
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

/// A valid 8-bit grayscale PNG (stored, uncompressed deflate blocks): the smallest correct encoder.
func makePNG(width: Int, height: Int) -> [UInt8] {
    var raw: [UInt8] = []
    for y in 0..<height {
        raw.append(0)  // filter type None
        for x in 0..<width { raw.append(UInt8(truncatingIfNeeded: x * 9 + y * 17)) }
    }
    var zlib: [UInt8] = [0x78, 0x01]
    var offset = 0
    repeat {
        let count = min(65_535, raw.count - offset)
        zlib.append(offset + count == raw.count ? 1 : 0)
        zlib += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
        zlib += raw[offset..<(offset + count)]
        offset += count
    } while offset < raw.count
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in raw {
        a = (a + UInt32(byte)) % 65_521
        b = (b + a) % 65_521
    }
    zlib += bigEndian(b << 16 | a)

    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in body {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return bigEndian(UInt32(data.count)) + body + bigEndian(~crc)
    }
    return ImageFormat.pngSignature
        + chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 0, 0, 0, 0])
        + chunk("IDAT", zlib) + chunk("IEND", [])
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> UInt32($0)) }
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
