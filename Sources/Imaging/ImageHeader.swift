import Foundation

/// The format and upright size of an encoded image, read from its header alone: the ingest sends
/// images as they are and the web service checks uploads before sending them, and decoding each
/// image just to learn its size would cost more than everything else they do with it. A header
/// that reads well does not promise the rest of the image decodes.
public struct ImageHeader: Equatable, Sendable {
    /// The largest image a reader accepts.
    public struct Limits: Equatable, Sendable {
        public let maxSide: Int
        public let maxPixels: Int

        public init(maxSide: Int, maxPixels: Int) {
            self.maxSide = maxSide
            self.maxPixels = maxPixels
        }
    }

    /// Why a header could not be read or was refused.
    public enum Invalid: Error, Equatable, Sendable {
        /// Neither a JPEG nor a PNG signature.
        case unsupportedFormat
        /// The header is truncated or broken; the reason says where.
        case malformed(String)
        /// A side of zero.
        case emptySize(width: Int, height: Int)
        case overLimits(width: Int, height: Int, limits: Limits)

        /// What was wrong, in words for a log line.
        public var reason: String {
            switch self {
            case .unsupportedFormat: "not a JPEG or PNG image"
            case .malformed(let reason): reason
            case .emptySize(let width, let height): "invalid image size \(width)x\(height)"
            case .overLimits(let width, let height, let limits):
                "image is \(width)x\(height), over the limit of \(limits.maxSide) pixels a side and \(limits.maxPixels) pixels"
            }
        }
    }

    public let format: ImageFormat
    /// Width and height as the image is displayed: a JPEG's EXIF orientations 5 to 8 (quarter
    /// turns) swap its stored sides, as the decoders turn it upright.
    public let width: Int
    public let height: Int

    public init(format: ImageFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// The header of `bytes`, checked against `limits`, so that an image a later stage would
    /// refuse is refused here, with its reason.
    public static func read(_ bytes: [UInt8], within limits: Limits) throws(Invalid) -> ImageHeader {
        let header: ImageHeader
        switch ImageFormat(prefix: bytes.prefix(ImageFormat.signatureLength)) {
        case .jpeg: header = try readJPEG(bytes)
        case .png: header = try readPNG(bytes)
        case nil: throw .unsupportedFormat
        }
        guard header.width > 0, header.height > 0 else { throw .emptySize(width: header.width, height: header.height) }
        guard header.width <= limits.maxSide, header.height <= limits.maxSide, header.width * header.height <= limits.maxPixels else {
            throw .overLimits(width: header.width, height: header.height, limits: limits)
        }
        return header
    }

    /// The size in the frame header (SOF0 to SOF15) found by walking the segments up to the first
    /// scan, then the EXIF orientation from the same header bytes.
    private static func readJPEG(_ bytes: [UInt8]) throws(Invalid) -> ImageHeader {
        var size: (width: Int, height: Int)?
        var offset = 2
        while true {
            guard offset < bytes.count else { throw .malformed("JPEG header is truncated") }
            guard bytes[offset] == 0xFF else {
                throw .malformed("JPEG header has no marker at byte \(offset)")
            }
            // Any number of 0xFF fill bytes may precede a marker code.
            while offset < bytes.count, bytes[offset] == 0xFF { offset += 1 }
            guard offset < bytes.count else { throw .malformed("JPEG header is truncated") }
            let marker = bytes[offset]
            offset += 1
            switch marker {
            case 0x01, 0xD0...0xD7:
                continue  // standalone markers carry no length
            case 0xD8, 0xD9, 0x00:
                throw .malformed(String(format: "unexpected JPEG marker 0x%02X in the header", marker))
            default:
                break
            }
            guard offset + 2 <= bytes.count else { throw .malformed("JPEG header is truncated") }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            guard length >= 2, offset + length <= bytes.count else {
                throw .malformed("JPEG segment at byte \(offset - 2) is truncated or has a bad length")
            }
            if marker == 0xDA {
                guard let size else { throw .malformed("JPEG has no frame header before its scan") }
                let orientation = ExifOrientation.read(jpeg: Data(bytes[..<(offset - 2)])) ?? 1
                let quarterTurn = (5...8).contains(orientation)
                return ImageHeader(
                    format: .jpeg, width: quarterTurn ? size.height : size.width,
                    height: quarterTurn ? size.width : size.height)
            }
            // SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC) which share the range.
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                guard length >= 8 else { throw .malformed("JPEG frame header is too short") }
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
            throw .malformed("PNG has no IHDR chunk")
        }
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        return ImageHeader(format: .png, width: u32(16), height: u32(20))
    }
}
