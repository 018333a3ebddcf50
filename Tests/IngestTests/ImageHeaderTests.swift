import TestSupport
import Testing

@testable import Ingest

/// A JPEG marker segment: FF, the marker, the big-endian length (counting itself), the payload.
func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
    let length = payload.count + 2
    return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
}

/// A frame header (SOFn) payload for one 8-bit component.
func frameHeader(width: Int, height: Int) -> [UInt8] {
    [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0]
}

let startOfScan = segment(0xDA, [1, 1, 0, 0, 63, 0])

@Suite("Image headers: sizes without decoding")
struct ImageHeaderTests {
    @Test("The size comes from the frame header, whichever SOF kind, after other segments and fill bytes")
    func sizeFromSOF() throws {
        for sof: UInt8 in [0xC0, 0xC1, 0xC2, 0xC3, 0xC9, 0xCF] {
            let jpeg: [UInt8] =
                [0xFF, 0xD8] + segment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
                + [0xFF, 0xFF] + segment(0xDB, [UInt8](repeating: 1, count: 65))
                + segment(0xC4, [0] + [UInt8](repeating: 0, count: 16))  // DHT shares the SOF range
                + segment(sof, frameHeader(width: 640, height: 480)) + startOfScan + [0x12, 0x34, 0xFF, 0xD9]
            #expect(try ImageHeader.read(jpeg) == ImageHeader(format: .jpeg, width: 640, height: 480))
        }
        let encoded = try makeJPEG(width: 123, height: 45)
        #expect(try ImageHeader.read(encoded) == ImageHeader(format: .jpeg, width: 123, height: 45))
        #expect(try ImageHeader.read(makePNG(width: 70_000 / 7, height: 3)) == ImageHeader(format: .png, width: 10_000, height: 3))
    }

    @Test(
        "Broken or oversized headers are refused with a reason",
        arguments: [
            ([0xFF, 0xD8] + startOfScan, "JPEG has no frame header before its scan"),
            (
                [0xFF, 0xD8] + Array(segment(0xC0, frameHeader(width: 64, height: 64)).prefix(7)),
                "JPEG segment at byte 2 is truncated or has a bad length"
            ),
            ([0xFF, 0xD8, 0xFF, 0xE0], "JPEG header is truncated"),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0x00], "JPEG header has no marker at byte 6"),
            ([0xFF, 0xD8] + segment(0xC0, frameHeader(width: 64, height: 0)) + startOfScan, "invalid image size 64x0"),
            (
                [0xFF, 0xD8] + segment(0xC0, frameHeader(width: 20_001, height: 8)) + startOfScan,
                "image is 20001x8, over the limit of 20000 pixels a side and 50000000 pixels"
            ),
            (
                [0xFF, 0xD8] + segment(0xC0, frameHeader(width: 10_000, height: 5_001)) + startOfScan,
                "image is 10000x5001, over the limit of 20000 pixels a side and 50000000 pixels"
            ),
            (Array(makePNG(width: 2, height: 2).prefix(20)), "PNG has no IHDR chunk"),
            (Array("GIF89a".utf8), "not a JPEG or PNG image")
        ] as [([UInt8], String)])
    func refused(bytes: [UInt8], reason: String) {
        #expect(throws: ImageHeader.Invalid(reason: reason)) { try ImageHeader.read(bytes) }
    }
}
