/// An 8-bit grayscale image, rows stored top to bottom without padding.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// `width * height` luma samples, row-major.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "an image has at least one pixel")
        precondition(pixels.count == width * height, "pixel count must equal width * height")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        pixels[y * width + x]
    }

    /// The image mirrored left to right (for flip test-time averaging).
    public func flippedHorizontally() -> GrayImage {
        var flipped = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            let row = y * width
            for x in 0..<width {
                flipped[row + x] = pixels[row + width - 1 - x]
            }
        }
        return GrayImage(width: width, height: height, pixels: flipped)
    }

    /// The pixels inside `rect` after clipping it to the image, or nil when nothing is left.
    public func cropped(to rect: PixelRect) -> GrayImage? {
        let x0 = max(0, rect.x), y0 = max(0, rect.y)
        let x1 = min(width, rect.x + rect.width), y1 = min(height, rect.y + rect.height)
        guard x1 > x0, y1 > y0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity((x1 - x0) * (y1 - y0))
        for y in y0..<y1 {
            out.append(contentsOf: pixels[(y * width + x0)..<(y * width + x1)])
        }
        return GrayImage(width: x1 - x0, height: y1 - y0, pixels: out)
    }
}

/// An axis-aligned rectangle in pixels, top-left origin.
public struct PixelRect: Sendable, Equatable, Hashable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}
