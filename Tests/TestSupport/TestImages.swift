import Foundation
import Imaging

// Small images made in code, for the tests of every module that reads image bytes.

/// A real JPEG of a colour pattern that differs with `seed`, so that images are told apart.
public func makeJPEG(width: Int, height: Int, seed: Int = 0) throws -> [UInt8] {
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

/// A valid 8-bit grayscale PNG (stored, uncompressed deflate blocks): the smallest correct encoder.
public func makePNG(width: Int, height: Int) -> [UInt8] {
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

private func bigEndian(_ value: UInt32) -> [UInt8] {
    [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> UInt32($0)) }
}

/// A JPEG marker segment: FF, the marker, the big-endian length (counting itself), the payload.
public func jpegSegment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
    let length = payload.count + 2
    return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
}

/// A frame header (SOFn) payload for one 8-bit component.
public func jpegFrameHeader(width: Int, height: Int) -> [UInt8] {
    [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0]
}

public let jpegStartOfScan = jpegSegment(0xDA, [1, 1, 0, 0, 63, 0])
