import CSPNG
import Foundation

/// Decodes PNG data with libspng, as OpenCV's `imread` reads it in colour: palette and low bit
/// depths expanded, alpha dropped (not composited), 16-bit samples cut to their high byte; then
/// the colour is weighted to gray with OpenCV's `cvtColor` formula. An eXIf chunk's orientation is
/// applied, as OpenCV does. (OpenCV's own `IMREAD_GRAYSCALE` of a colour PNG uses libpng's
/// truncating weights and gamma chunks instead; Moodwire treats every colour image alike.)
public struct PNGDecoder: Sendable {
    /// Images with more pixels than this are refused before any pixel memory is allocated.
    public let maxPixels: Int

    public init(maxPixels: Int = 50_000_000) {
        self.maxPixels = maxPixels
    }

    public func decodeGray(_ data: Data, source: String) throws(ImageError) -> GrayImage {
        let image = try decodeRGB(data, source: source)
        return GrayImage(width: image.width, height: image.height, pixels: JPEGDecoder.weightedGray(rgb: image.pixels))
    }

    /// The PNG as RGB, the way OpenCV's `imread` reads it in colour.
    public func decodeRGB(_ data: Data, source: String) throws(ImageError) -> RGBImage {
        guard let context = spng_ctx_new(0) else {
            fatalError("libspng could not allocate a decoder")
        }
        defer { spng_ctx_free(context) }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Result<RGBImage, ImageError> in
            func failure(_ code: Int32) -> Result<RGBImage, ImageError> {
                .failure(.corrupt(source: source, reason: String(cString: spng_strerror(code)), code: code))
            }
            var status = spng_set_png_buffer(context, raw.baseAddress, raw.count)
            if status != 0 { return failure(status) }
            var header = spng_ihdr()
            status = spng_get_ihdr(context, &header)
            if status != 0 { return failure(status) }
            let width = Int(header.width), height = Int(header.height)
            guard width > 0, height > 0, width.multipliedReportingOverflow(by: height).partialValue <= maxPixels else {
                return .failure(.badDimensions(source: source, width: width, height: height, maxPixels: maxPixels))
            }
            // 16-bit images decode at full depth so that the high byte can be kept as OpenCV does.
            let wide = header.bit_depth == 16
            let format = Int32(wide ? SPNG_FMT_RGBA16.rawValue : SPNG_FMT_RGBA8.rawValue)
            var size = 0
            status = spng_decoded_image_size(context, format, &size)
            if status != 0 { return failure(status) }
            var samples = [UInt8](repeating: 0, count: size)
            status = samples.withUnsafeMutableBytes { spng_decode_image(context, $0.baseAddress, size, format, 0) }
            if status != 0 { return failure(status) }
            let pixels = width * height
            var rgb = [UInt8](repeating: 0, count: pixels * 3)
            samples.withUnsafeBytes { source in
                if wide {
                    let values = source.bindMemory(to: UInt16.self)
                    for i in 0..<pixels {
                        for c in 0..<3 { rgb[3 * i + c] = UInt8(values[4 * i + c] >> 8) }
                    }
                } else {
                    for i in 0..<pixels {
                        for c in 0..<3 { rgb[3 * i + c] = source[4 * i + c] }
                    }
                }
            }
            let image = RGBImage(width: width, height: height, pixels: rgb)
            var exif = spng_exif()
            if spng_get_exif(context, &exif) == 0, let bytes = exif.data, exif.length > 0 {
                let tiff = [UInt8](UnsafeRawBufferPointer(start: bytes, count: exif.length))
                if let orientation = ExifOrientation.orientation(tiff: tiff) {
                    return .success(image.applyingOrientation(orientation))
                }
            }
            return .success(image)
        }.get()
    }
}
