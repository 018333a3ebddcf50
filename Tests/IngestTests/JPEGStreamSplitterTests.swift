import Foundation
import TestSupport
import Testing

@testable import Imaging
@testable import Ingest

@Suite("JPEG stream splitter")
struct JPEGStreamSplitterTests {
    /// Real JPEGs of different sizes, one with EXIF, one with an "FF D9" inside a comment segment
    /// (where a search for the end marker would cut it).
    static func realImages() throws -> [[UInt8]] {
        let plain = try makeJPEG(width: 64, height: 48, seed: 1)
        let comment = jpegSegment(0xFE, Array("ends here: ".utf8) + [0xFF, 0xD9, 0xFF, 0xD8])
        return [
            plain,
            try makeJPEG(width: 320, height: 240, seed: 2),
            withExifOrientation(try makeJPEG(width: 17, height: 33, seed: 3), 6),
            Array(plain[..<2]) + comment + plain[2...],
            try makeJPEG(width: 1, height: 1, seed: 4)
        ]
    }

    /// A hand-made image with every entropy-coded-data case: stuffed bytes, restart markers with
    /// and without fill bytes before them, a second scan after a table (progressive), EOI.
    static let syntheticImage: [UInt8] =
        [0xFF, 0xD8]
        + jpegSegment(0xDB, [UInt8](repeating: 2, count: 65))
        + jpegSegment(0xC2, jpegFrameHeader(width: 16, height: 16))
        + jpegStartOfScan + [0x01, 0xFF, 0x00, 0x02, 0xFF, 0xD0, 0x03, 0xFF, 0xFF, 0xD7, 0xFF, 0x00, 0xFF, 0xD3]
        + jpegSegment(0xC4, [0x10] + [UInt8](repeating: 0, count: 16))
        + jpegStartOfScan + [0xFF, 0x00, 0x55, 0xFF, 0xD1]
        + [0xFF, 0xFF, 0xD9]

    @Test("Concatenated real JPEGs split into exactly those images, in one chunk")
    func concatenated() throws {
        let images = try Self.realImages() + [Self.syntheticImage]
        var splitter = JPEGStreamSplitter()
        #expect(try splitter.append(images.flatMap { $0 }) == images)
        #expect(splitter.bufferedByteCount == 0)
        try splitter.finish()
    }

    @Test("Fed one byte at a time, each image comes out on its last byte")
    func byteByByte() throws {
        let images = try Self.realImages() + [Self.syntheticImage]
        let ends = images.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.count) }
        var splitter = JPEGStreamSplitter()
        var out: [[UInt8]] = []
        var completedAt: [Int] = []
        for (offset, byte) in images.joined().enumerated() {
            let done = try splitter.append(CollectionOfOne(byte))
            if !done.isEmpty { completedAt.append(offset + 1) }
            out += done
        }
        #expect(out == images)
        #expect(completedAt == ends)
        try splitter.finish()
    }

    @Test("Chunks of random sizes give the same images")
    func randomChunks() throws {
        let images = try Self.realImages()
        let stream = Array(images.joined())
        var generator = SplitMix64(seed: 7)
        for _ in 0..<20 {
            var splitter = JPEGStreamSplitter()
            var out: [[UInt8]] = []
            var offset = 0
            while offset < stream.count {
                let size = Int(generator.next() % 5_000) + 1
                let end = min(stream.count, offset + size)
                out += try splitter.append(stream[offset..<end])
                offset = end
            }
            #expect(out == images)
            try splitter.finish()
        }
    }

    @Test("ffmpeg's MJPEG stream splits into images that decode", .needsFFmpeg)
    func ffmpegStream() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let stream = root.appendingPathComponent("frames.mjpeg").path
        try runFFmpeg([
            "-f", "lavfi", "-i", "testsrc=size=96x64:rate=25", "-frames:v", "12",
            "-pix_fmt", "yuvj420p", "-c:v", "mjpeg", "-f", "image2pipe", stream
        ])
        var splitter = JPEGStreamSplitter()
        let images = try splitter.append(try readFile(stream))
        try splitter.finish()
        #expect(images.count == 12)
        for image in images {
            let gray = try ImageDecoder().decodeGray(Data(image), source: "frame")
            #expect(gray.width == 96 && gray.height == 64)
        }
    }

    @Test("Garbage is an error at its offset, and stays one")
    func garbage() throws {
        var splitter = JPEGStreamSplitter()
        #expect(throws: JPEGStreamSplitter.StreamError.missingStartOfImage(offset: 0, byte: 0x47)) {
            try splitter.append(Array("GIF89a".utf8))
        }
        #expect(splitter.bufferedByteCount == 0)
        #expect(throws: JPEGStreamSplitter.StreamError.missingStartOfImage(offset: 0, byte: 0x47)) {
            try splitter.append(try makeJPEG(width: 8, height: 8))
        }

        let image = try makeJPEG(width: 8, height: 8)
        var trailing = JPEGStreamSplitter()
        #expect(try trailing.append(image) == [image])
        #expect(throws: JPEGStreamSplitter.StreamError.missingStartOfImage(offset: image.count, byte: 0x00)) {
            try trailing.append([0xFF, 0x00, 0xFF, 0xD8])
        }
        #expect(throws: JPEGStreamSplitter.StreamError.self) { try trailing.finish() }
    }

    @Test(
        "Malformed structure is refused",
        arguments: [
            ([0xFF, 0xD8, 0xFF, 0xD9], JPEGStreamSplitter.StreamError.unexpectedMarker(offset: 2, marker: 0xD9)),
            ([0xFF, 0xD8, 0xFF, 0xD8], .unexpectedMarker(offset: 2, marker: 0xD8)),
            ([0xFF, 0xD8, 0xFF, 0x00], .unexpectedMarker(offset: 2, marker: 0x00)),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01], .badSegmentLength(offset: 4, length: 1)),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0x42], .missingMarker(offset: 6, byte: 0x42)),
            ([0xFF, 0xD8] + jpegStartOfScan + [0x11, 0xFF, 0xD8], .unexpectedMarker(offset: 13, marker: 0xD8))
        ] as [([UInt8], JPEGStreamSplitter.StreamError)])
    func malformed(bytes: [UInt8], error: JPEGStreamSplitter.StreamError) {
        var splitter = JPEGStreamSplitter()
        #expect(throws: error) { try splitter.append(bytes) }
    }

    @Test("An image that never ends is refused at the size limit, never buffered past it")
    func sizeLimit() throws {
        #expect(JPEGStreamSplitter().maxImageBytes == 32 << 20)
        let limit = 10_000
        // Endless entropy-coded data, and endless segments: both stop at the limit.
        let starts: [[UInt8]] = [[0xFF, 0xD8] + jpegStartOfScan, [0xFF, 0xD8]]
        let fillers: [[UInt8]] = [[UInt8](repeating: 0x5A, count: 1_000), jpegSegment(0xE1, [UInt8](repeating: 7, count: 997))]
        for (start, filler) in zip(starts, fillers) {
            var splitter = JPEGStreamSplitter(maxImageBytes: limit)
            _ = try splitter.append(start)
            var failure: JPEGStreamSplitter.StreamError?
            for _ in 0..<20 {
                do {
                    _ = try splitter.append(filler)
                } catch {
                    failure = error
                    break
                }
                #expect(splitter.bufferedByteCount <= limit)
            }
            #expect(failure == .imageTooLarge(limit: limit))
            #expect(splitter.bufferedByteCount == 0)
        }
        // An image of exactly the limit passes.
        let image = try makeJPEG(width: 40, height: 40)
        var exact = JPEGStreamSplitter(maxImageBytes: image.count)
        #expect(try exact.append(image + image) == [image, image])
        var short = JPEGStreamSplitter(maxImageBytes: image.count - 1)
        #expect(throws: JPEGStreamSplitter.StreamError.imageTooLarge(limit: image.count - 1)) { try short.append(image) }
    }

    @Test("A stream that stops inside an image is truncated")
    func truncated() throws {
        let image = try makeJPEG(width: 16, height: 16)
        var splitter = JPEGStreamSplitter()
        #expect(try splitter.append(image + image.prefix(100)) == [image])
        #expect(splitter.bufferedByteCount == 100)
        #expect(throws: JPEGStreamSplitter.StreamError.truncated(bufferedBytes: 100)) { try splitter.finish() }
    }
}

/// A small deterministic generator (SplitMix64) for reproducible chunk sizes.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
