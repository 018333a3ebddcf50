import CTurboJPEG
import Foundation

/// Decodes JPEG data with libturbojpeg. One decoder owns one TurboJPEG handle, which is not
/// thread-safe: give each thread its own decoder.
public final class JPEGDecoder {
    /// Images with more pixels than this are refused before any pixel memory is allocated.
    public let maxPixels: Int
    private var handle: tjhandle

    public init(maxPixels: Int = 50_000_000) {
        handle = Self.makeHandle()
        self.maxPixels = maxPixels
    }

    private static func makeHandle() -> tjhandle {
        guard let handle = tjInitDecompress() else {
            // Only an allocation failure makes TurboJPEG refuse a handle.
            fatalError("libturbojpeg could not allocate a decompressor")
        }
        return handle
    }

    deinit {
        tjDestroy(handle)
    }

    /// A JPEG as an 8-bit grayscale image.
    /// - Parameters:
    ///   - source: names the input in error messages (a path, an upload id).
    ///   - conversion: `.luma` takes the Y component straight from the JPEG (no colour decode;
    ///     OpenCV's `IMREAD_GRAYSCALE`); `.rgbWeighted` decodes colour and converts it with
    ///     OpenCV's `cvtColor(BGR2GRAY)`, what the fer package and most OpenCV programs see.
    public func decodeGray(_ data: Data, source: String, conversion: GrayConversion = .luma) throws(ImageError) -> GrayImage {
        // A grayscale JPEG has no colour to weigh: its samples are the answer either way.
        let decoded = try decompress(data, source: source) { colorspace in
            conversion == .rgbWeighted && colorspace != Int32(TJCS_GRAY.rawValue)
        }
        return GrayImage(
            width: decoded.width, height: decoded.height,
            pixels: decoded.rgb ? Self.weightedGray(rgb: decoded.samples) : decoded.samples)
    }

    /// A JPEG decoded to RGB (for drawing on; EXIF orientation not applied here).
    public func decodeRGB(_ data: Data, source: String) throws(ImageError) -> RGBImage {
        let decoded = try decompress(data, source: source) { _ in true }
        return RGBImage(width: decoded.width, height: decoded.height, pixels: decoded.samples)
    }

    /// Validates the header, then decodes to RGB when `wantsRGB(colorspace)` says so, else to gray.
    private func decompress(_ data: Data, source: String, wantsRGB: (Int32) -> Bool)
        throws(ImageError) -> (width: Int, height: Int, rgb: Bool, samples: [UInt8])
    {
        guard !data.isEmpty else { throw .empty(source: source) }
        guard ImageFormat(prefix: data.prefix(ImageFormat.signatureLength)) == .jpeg else {
            throw .unsupportedFormat(source: source)
        }
        return try data.withUnsafeBytes {
            (raw: UnsafeRawBufferPointer) -> Result<(width: Int, height: Int, rgb: Bool, samples: [UInt8]), ImageError> in
            let bytes = raw.bindMemory(to: UInt8.self)
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            if tjDecompressHeader3(
                handle, bytes.baseAddress, UInt(bytes.count),
                &width, &height, &subsampling, &colorspace) != 0
            {
                return .failure(lastError(source: source))
            }
            let w = Int(width), h = Int(height)
            if w == 0 && h == 0 {
                return .failure(.corrupt(source: source, reason: "no image frame (truncated or tables-only JPEG)", code: -1))
            }
            guard w > 0, h > 0, w.multipliedReportingOverflow(by: h).partialValue <= maxPixels else {
                return .failure(.badDimensions(source: source, width: w, height: h, maxPixels: maxPixels))
            }
            let rgb = wantsRGB(colorspace)
            let channels = rgb ? 3 : 1
            var samples = [UInt8](repeating: 0, count: w * h * channels)
            let status = samples.withUnsafeMutableBufferPointer { out in
                tjDecompress2(
                    handle, bytes.baseAddress, UInt(bytes.count), out.baseAddress,
                    width, width * Int32(channels), height,
                    Int32(rgb ? TJPF_RGB.rawValue : TJPF_GRAY.rawValue),
                    TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING)
            }
            if status != 0 { return .failure(lastError(source: source)) }
            return .success((w, h, rgb, samples))
        }.get()
    }

    /// OpenCV 4's fixed-point BT.601 weights (15 bits): Y = (9798 R + 19235 G + 3735 B + 2^14) >> 15.
    static func weightedGray(rgb: [UInt8]) -> [UInt8] {
        var gray = [UInt8](repeating: 0, count: rgb.count / 3)
        rgb.withUnsafeBufferPointer { source in
            gray.withUnsafeMutableBufferPointer { target in
                for i in 0..<target.count {
                    let r = UInt32(source[3 * i]), g = UInt32(source[3 * i + 1]), b = UInt32(source[3 * i + 2])
                    target[i] = UInt8((r * 9798 + g * 19235 + b * 3735 + 16384) >> 15)
                }
            }
        }
        return gray
    }

    /// Reads and decodes a JPEG file.
    public func decodeGray(contentsOf path: String, conversion: GrayConversion = .luma) throws(ImageError) -> GrayImage {
        try decodeGray(try Self.readFile(path), source: path, conversion: conversion)
    }

    /// A file's bytes, or `.unreadableFile` with the system's errno.
    public static func readFile(_ path: String) throws(ImageError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            // Foundation wraps the POSIX error; on Linux it bridges to NSError only through `any Error`.
            let underlying = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
            let code = underlying?.domain == NSPOSIXErrorDomain ? underlying!.code : Int(EIO)
            throw .unreadableFile(path: path, errno: Int32(code))
        }
    }

    /// The handle's error as an `ImageError`. The handle is then replaced: after a failed
    /// header read TurboJPEG leaves it half-used and the next decode would fail too.
    private func lastError(source: String) -> ImageError {
        let error = ImageError.corrupt(
            source: source, reason: String(cString: tjGetErrorStr2(handle)),
            code: tjGetErrorCode(handle))
        tjDestroy(handle)
        handle = Self.makeHandle()
        return error
    }
}

/// How a colour JPEG becomes gray.
public enum GrayConversion: String, Sendable, CaseIterable {
    /// The JPEG's own luma channel, without decoding colour (fastest; OpenCV's IMREAD_GRAYSCALE).
    case luma
    /// Colour decoded, then weighted as OpenCV's cvtColor(BGR2GRAY) (what fer and most OpenCV code see).
    case rgbWeighted = "rgb-weighted"
}
