/// An 8-bit RGB image, rows top to bottom, three bytes per pixel; what annotated output is drawn on.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` samples, R G B per pixel, row-major.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "an image has at least one pixel")
        precondition(pixels.count == width * height * 3, "pixel count must equal width * height * 3")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A gray image as RGB (every channel the same).
    public init(gray: GrayImage) {
        var pixels = [UInt8](repeating: 0, count: gray.pixels.count * 3)
        for (i, value) in gray.pixels.enumerated() {
            pixels[3 * i] = value
            pixels[3 * i + 1] = value
            pixels[3 * i + 2] = value
        }
        self.init(width: gray.width, height: gray.height, pixels: pixels)
    }

    /// The pixels inside `rect`, which must lie within the image.
    public func cropped(to rect: PixelRect) -> RGBImage {
        precondition(rect.x >= 0 && rect.y >= 0 && rect.x + rect.width <= width && rect.y + rect.height <= height, "a crop inside the image")
        var out: [UInt8] = []
        out.reserveCapacity(rect.width * rect.height * 3)
        for y in rect.y..<(rect.y + rect.height) {
            out += pixels[((y * width + rect.x) * 3)..<((y * width + rect.x + rect.width) * 3)]
        }
        return RGBImage(width: rect.width, height: rect.height, pixels: out)
    }

    /// The image in gray with OpenCV's `cvtColor(RGB2GRAY)` weights (`GrayConversion.rgbWeighted`).
    public func grayscale() -> GrayImage {
        GrayImage(width: width, height: height, pixels: JPEGDecoder.weightedGray(rgb: pixels))
    }

    /// Fills `rect`, clipped to the image.
    public mutating func fill(_ rect: PixelRect, color: (UInt8, UInt8, UInt8)) {
        let x0 = max(0, rect.x), y0 = max(0, rect.y)
        let x1 = min(width, rect.x + rect.width), y1 = min(height, rect.y + rect.height)
        guard x1 > x0, y1 > y0 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 {
                let i = (y * width + x) * 3
                pixels[i] = color.0
                pixels[i + 1] = color.1
                pixels[i + 2] = color.2
            }
        }
    }

    /// The outline of `rect`, `thickness` pixels wide, drawn inside it.
    public mutating func strokeRectangle(_ rect: PixelRect, color: (UInt8, UInt8, UInt8), thickness: Int) {
        let t = max(1, min(thickness, rect.width / 2, rect.height / 2))
        fill(PixelRect(x: rect.x, y: rect.y, width: rect.width, height: t), color: color)
        fill(PixelRect(x: rect.x, y: rect.y + rect.height - t, width: rect.width, height: t), color: color)
        fill(PixelRect(x: rect.x, y: rect.y, width: t, height: rect.height), color: color)
        fill(PixelRect(x: rect.x + rect.width - t, y: rect.y, width: t, height: rect.height), color: color)
    }

    /// The size `drawText` covers for `text` at `scale`.
    public static func textSize(_ text: String, scale: Int) -> (width: Int, height: Int) {
        (text.count * BitmapFont.advance * scale, BitmapFont.height * scale)
    }

    /// `text` in `BitmapFont`, each font pixel drawn as a `scale` x `scale` square, top-left at (x, y).
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, color: (UInt8, UInt8, UInt8)) {
        var cursor = x
        for character in text.lowercased() {
            let rows = BitmapFont.glyph(character)
            for (row, bits) in rows.enumerated() {
                for column in 0..<BitmapFont.width where bits & (1 << (BitmapFont.width - 1 - column)) != 0 {
                    fill(PixelRect(x: cursor + column * scale, y: y + row * scale, width: scale, height: scale), color: color)
                }
            }
            cursor += BitmapFont.advance * scale
        }
    }
}
