import Foundation

/// The EXIF orientation of a JPEG (1 to 8, as cameras and phones record how they were held),
/// read from the APP1 "Exif" segment's first IFD. Malformed or missing EXIF means none.
public enum ExifOrientation {
    /// The orientation tag's value, or nil when there is none or the EXIF data is malformed.
    public static func read(jpeg data: Data) -> Int? {
        let bytes = [UInt8](data.prefix(65_536 * 4))
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            if marker == 0xDA || marker == 0xD9 { return nil }  // start of scan / end of image
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= bytes.count else { return nil }
            if marker == 0xE1, length >= 8, Array(bytes[(offset + 4)..<(offset + 10)]) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                return orientation(tiff: Array(bytes[(offset + 10)..<(offset + 2 + length)]))
            }
            offset += 2 + length
        }
        return nil
    }

    /// Tag 0x0112 in IFD0 of a TIFF structure.
    static func orientation(tiff: [UInt8]) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<count {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112 {
                // OpenCV reads the first two bytes of the value field whatever the declared type
                // (a little-endian LONG works, a big-endian one reads as 0); values outside 1...8
                // leave the image as it is.
                guard let value = u16(at + 8), (1...8).contains(value) else { return nil }
                return value
            }
        }
        return nil
    }
}

/// Turning pixel arrays upright for an EXIF orientation, for any number of channels.
enum OrientationTransform {
    /// The pixels of a `width` x `height` image with `channels` samples per pixel as displayed for
    /// `orientation` (1 to 8), and the new size.
    static func apply(_ pixels: [UInt8], width: Int, height: Int, channels: Int, orientation: Int) -> (pixels: [UInt8], width: Int, height: Int) {
        // Each orientation as: transpose first?, then mirror columns?, mirror rows?
        let (transpose, mirrorX, mirrorY): (Bool, Bool, Bool)
        switch orientation {
        case 2: (transpose, mirrorX, mirrorY) = (false, true, false)
        case 3: (transpose, mirrorX, mirrorY) = (false, true, true)
        case 4: (transpose, mirrorX, mirrorY) = (false, false, true)
        case 5: (transpose, mirrorX, mirrorY) = (true, false, false)
        case 6: (transpose, mirrorX, mirrorY) = (true, true, false)
        case 7: (transpose, mirrorX, mirrorY) = (true, true, true)
        case 8: (transpose, mirrorX, mirrorY) = (true, false, true)
        default: return (pixels, width, height)
        }
        let outWidth = transpose ? height : width, outHeight = transpose ? width : height
        var out = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let tx = mirrorX ? outWidth - 1 - x : x, ty = mirrorY ? outHeight - 1 - y : y
                let (sx, sy) = transpose ? (ty, tx) : (tx, ty)
                for c in 0..<channels { out[(y * outWidth + x) * channels + c] = pixels[(sy * width + sx) * channels + c] }
            }
        }
        return (out, outWidth, outHeight)
    }
}

extension GrayImage {
    /// The image as it should be displayed for EXIF orientation `orientation` (1 to 8).
    public func applyingOrientation(_ orientation: Int) -> GrayImage {
        let turned = OrientationTransform.apply(pixels, width: width, height: height, channels: 1, orientation: orientation)
        return GrayImage(width: turned.width, height: turned.height, pixels: turned.pixels)
    }
}

extension RGBImage {
    /// The image as it should be displayed for EXIF orientation `orientation` (1 to 8).
    public func applyingOrientation(_ orientation: Int) -> RGBImage {
        let turned = OrientationTransform.apply(pixels, width: width, height: height, channels: 3, orientation: orientation)
        return RGBImage(width: turned.width, height: turned.height, pixels: turned.pixels)
    }
}
