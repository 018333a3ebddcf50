import Foundation
import Imaging
import PipelineProtocol

/// The format and upright size of an encoded image, read from its header alone: the ingest sends
/// images as they are, and decoding each one just to fill in the frame header's size would cost
/// more than everything else it does.
struct ImageHeader: Equatable, Sendable {
    /// Why a header could not be read, in words for a log line.
    struct Invalid: Error, Equatable, Sendable {
        let reason: String
    }

    let format: ImageFormat
    /// Width and height as the image is displayed: a JPEG's EXIF orientations 5 to 8 (quarter
    /// turns) swap its stored sides, as the detector's decoder turns it upright.
    let width: Int
    let height: Int

    /// The header of `bytes`, checked against the sizes every stage accepts, so that a frame the
    /// detector would refuse is never sent (and, being acknowledged, re-sent forever).
    static func read(_ bytes: [UInt8]) throws(Invalid) -> ImageHeader {
        let header: ImageHeader
        switch ImageFormat(prefix: bytes.prefix(ImageFormat.signatureLength)) {
        case .jpeg: header = try readJPEG(bytes)
        case .png: header = try readPNG(bytes)
        case nil: throw Invalid(reason: "not a JPEG or PNG image")
        }
        guard header.width > 0, header.height > 0 else {
            throw Invalid(reason: "invalid image size \(header.width)x\(header.height)")
        }
        guard header.width <= WireProtocol.maxSide, header.height <= WireProtocol.maxSide,
            header.width * header.height <= WireProtocol.maxPixels
        else {
            throw Invalid(
                reason: "image is \(header.width)x\(header.height), over the limit of \(WireProtocol.maxSide) "
                    + "pixels a side and \(WireProtocol.maxPixels) pixels")
        }
        return header
    }

    /// The size in the frame header (SOF0 to SOF15) found by walking the segments up to the first
    /// scan, then the EXIF orientation from the same header bytes.
    private static func readJPEG(_ bytes: [UInt8]) throws(Invalid) -> ImageHeader {
        var size: (width: Int, height: Int)?
        var offset = 2
        while true {
            guard offset < bytes.count else { throw Invalid(reason: "JPEG header is truncated") }
            guard bytes[offset] == 0xFF else {
                throw Invalid(reason: "JPEG header has no marker at byte \(offset)")
            }
            // Any number of 0xFF fill bytes may precede a marker code.
            while offset < bytes.count, bytes[offset] == 0xFF { offset += 1 }
            guard offset < bytes.count else { throw Invalid(reason: "JPEG header is truncated") }
            let marker = bytes[offset]
            offset += 1
            switch marker {
            case 0x01, 0xD0...0xD7:
                continue  // standalone markers carry no length
            case 0xD8, 0xD9, 0x00:
                throw Invalid(reason: String(format: "unexpected JPEG marker 0x%02X in the header", marker))
            default:
                break
            }
            guard offset + 2 <= bytes.count else { throw Invalid(reason: "JPEG header is truncated") }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard length >= 2, offset + length <= bytes.count else {
                throw Invalid(reason: "JPEG segment at byte \(offset - 2) is truncated or has a bad length")
            }
            if marker == 0xDA {
                guard let size else { throw Invalid(reason: "JPEG has no frame header before its scan") }
                let orientation = ExifOrientation.read(jpeg: Data(bytes[..<(offset - 2)])) ?? 1
                let quarterTurn = (5...8).contains(orientation)
                return ImageHeader(
                    format: .jpeg, width: quarterTurn ? size.height : size.width,
                    height: quarterTurn ? size.width : size.height)
            }
            // SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC) which share the range.
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                guard length >= 8 else { throw Invalid(reason: "JPEG frame header is too short") }
                size = (
                    width: Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]),
                    height: Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
                )
            }
            offset += length
        }
    }

    /// The size in the IHDR chunk, which the PNG specification puts first.
    private static func readPNG(_ bytes: [UInt8]) throws(Invalid) -> ImageHeader {
        guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw Invalid(reason: "PNG has no IHDR chunk")
        }
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        return ImageHeader(format: .png, width: u32(16), height: u32(20))
    }
}
