import Imaging

/// The square network input made from a whole frame as MediaPipe makes it: the frame scaled to fit
/// with its aspect kept, centred, the rest zero (ImageToTensorCalculator with keep_aspect_ratio,
/// which calls OpenCV's warpPerspective, INTER_LINEAR, BORDER_CONSTANT). Tensor pixel (x, y)
/// samples the frame at (left + x * scale, top + y * scale), corner-aligned and without
/// anti-aliasing, in OpenCV's fixed point: coordinates rounded to 1/32 pixel, weights of 15 bits,
/// so the bytes are OpenCV's.
public struct Letterbox: Sendable, Equatable {
    public let side: Int
    public let imageWidth: Int
    public let imageHeight: Int
    /// Frame pixels per tensor pixel.
    public let scale: Double
    /// Where tensor pixel (0, 0) samples the frame (negative on the padded side).
    public let left: Double
    public let top: Double

    public init(side: Int, imageWidth: Int, imageHeight: Int) {
        self.side = side
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        let square = Double(max(imageWidth, imageHeight))
        scale = square / Double(side)
        left = (Double(imageWidth) - square) / 2
        top = (Double(imageHeight) - square) / 2
    }

    /// OpenCV's coordinate quantisation (INTER_BITS) and weight scale (INTER_REMAP_COEF_BITS).
    static let fractionBits = 5, weightBits = 15

    /// The tensor's RGB bytes, row-major, `side * side * 3`.
    public func bytes(of image: RGBImage) -> [UInt8] {
        precondition(image.width == imageWidth && image.height == imageHeight, "the letterbox was made for another frame size")
        let columns = (0..<side).map { Self.tap(left + Double($0) * scale) }
        var out = [UInt8](repeating: 0, count: side * side * 3)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<side {
                let row = Self.tap(top + Double(y) * scale)
                for (x, column) in columns.enumerated() {
                    let w00 = (32 - column.fraction) * (32 - row.fraction) * 32, w01 = column.fraction * (32 - row.fraction) * 32
                    let w10 = (32 - column.fraction) * row.fraction * 32, w11 = column.fraction * row.fraction * 32
                    for c in 0..<3 {
                        @inline(__always) func sample(_ yy: Int, _ xx: Int) -> Int {
                            yy >= 0 && yy < imageHeight && xx >= 0 && xx < imageWidth ? Int(pixels[(yy * imageWidth + xx) * 3 + c]) : 0
                        }
                        let sum =
                            sample(row.index, column.index) * w00 + sample(row.index, column.index + 1) * w01
                            + sample(row.index + 1, column.index) * w10 + sample(row.index + 1, column.index + 1) * w11
                        out[(y * side + x) * 3 + c] = UInt8(clamping: (sum + (1 << (Self.weightBits - 1))) >> Self.weightBits)
                    }
                }
            }
        }
        return out
    }

    /// The top-left source pixel and the fraction (in 32nds) of a sample position, rounded to
    /// nearest (ties to even) as OpenCV's saturate_cast<int>(double) does.
    static func tap(_ position: Double) -> (index: Int, fraction: Int) {
        let fixed = Int((position * Double(1 << fractionBits)).rounded(.toNearestOrEven))
        return (fixed >> fractionBits, fixed & ((1 << fractionBits) - 1))
    }

    /// A point given as fractions of the tensor, in frame pixels.
    public func framePoint(x: Double, y: Double) -> (x: Double, y: Double) {
        (left + x * Double(side) * scale, top + y * Double(side) * scale)
    }
}
