import TestSupport
import Testing

@testable import Imaging

/// The limits of the pipeline's wire protocol, which the ingest reads headers against.
private let limits = ImageHeader.Limits(maxSide: 20_000, maxPixels: 50_000_000)

@Suite("Image headers: sizes without decoding")
struct ImageHeaderTests {
    @Test("The size comes from the frame header, whichever SOF kind, after other segments and fill bytes")
    func sizeFromSOF() throws {
        for sof: UInt8 in [0xC0, 0xC1, 0xC2, 0xC3, 0xC9, 0xCF] {
            let jpeg: [UInt8] =
                [0xFF, 0xD8] + jpegSegment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
                + [0xFF, 0xFF] + jpegSegment(0xDB, [UInt8](repeating: 1, count: 65))
                + jpegSegment(0xC4, [0] + [UInt8](repeating: 0, count: 16))  // DHT shares the SOF range
                + jpegSegment(sof, jpegFrameHeader(width: 640, height: 480)) + jpegStartOfScan + [0x12, 0x34, 0xFF, 0xD9]
            #expect(try ImageHeader.read(jpeg, within: limits) == ImageHeader(format: .jpeg, width: 640, height: 480))
        }
        let encoded = try makeJPEG(width: 123, height: 45)
        #expect(try ImageHeader.read(encoded, within: limits) == ImageHeader(format: .jpeg, width: 123, height: 45))
        #expect(try ImageHeader.read(makePNG(width: 70_000 / 7, height: 3), within: limits) == ImageHeader(format: .png, width: 10_000, height: 3))
    }

    @Test(
        "Broken or oversized headers are refused with a reason",
        arguments: [
            ([0xFF, 0xD8] + jpegStartOfScan, .malformed("JPEG has no frame header before its scan")),
            (
                [0xFF, 0xD8] + Array(jpegSegment(0xC0, jpegFrameHeader(width: 64, height: 64)).prefix(7)),
                .malformed("JPEG segment at byte 2 is truncated or has a bad length")
            ),
            ([0xFF, 0xD8, 0xFF, 0xE0], .malformed("JPEG header is truncated")),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0x00], .malformed("JPEG header has no marker at byte 6")),
            ([0xFF, 0xD8] + jpegSegment(0xC0, jpegFrameHeader(width: 64, height: 0)) + jpegStartOfScan, .emptySize(width: 64, height: 0)),
            (
                [0xFF, 0xD8] + jpegSegment(0xC0, jpegFrameHeader(width: 20_001, height: 8)) + jpegStartOfScan,
                .overLimits(width: 20_001, height: 8, limits: limits)
            ),
            (
                [0xFF, 0xD8] + jpegSegment(0xC0, jpegFrameHeader(width: 10_000, height: 5_001)) + jpegStartOfScan,
                .overLimits(width: 10_000, height: 5_001, limits: limits)
            ),
            (Array(makePNG(width: 2, height: 2).prefix(20)), .malformed("PNG has no IHDR chunk")),
            (Array("GIF89a".utf8), .unsupportedFormat)
        ] as [([UInt8], ImageHeader.Invalid)])
    func refused(bytes: [UInt8], invalid: ImageHeader.Invalid) {
        #expect(throws: invalid) { try ImageHeader.read(bytes, within: limits) }
    }

    @Test func reasonsSayWhatWasWrong() {
        #expect(ImageHeader.Invalid.unsupportedFormat.reason == "not a JPEG or PNG image")
        #expect(ImageHeader.Invalid.emptySize(width: 64, height: 0).reason == "invalid image size 64x0")
        #expect(
            ImageHeader.Invalid.overLimits(width: 20_001, height: 8, limits: limits).reason
                == "image is 20001x8, over the limit of 20000 pixels a side and 50000000 pixels")
    }
}
