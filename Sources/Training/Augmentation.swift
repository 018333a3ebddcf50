import Foundation

/// Per-image augmentation on the fly: a random affine map (rotation, scale, shift about the
/// centre), a horizontal flip, and random erasing, sampled bilinearly with the border replicated.
/// Works on one square grayscale image already mapped to network inputs.
public struct Augmentation: Sendable, Equatable {
    /// Largest rotation either way, in degrees.
    public var rotationDegrees: Float = 15
    /// Largest relative change of scale either way (0.15: 0.85x to 1.15x).
    public var scale: Float = 0.15
    /// Largest shift either way, as a fraction of the side.
    public var shift: Float = 0.12
    public var flip = true
    /// The probability that an image gets one erased square.
    public var erasingProbability: Float = 0.5
    /// The erased square's side, as a fraction of the image's side.
    public var erasingSide: ClosedRange<Float> = 0.1...0.3

    public init() {}

    /// No change at all (validation, or training without augmentation).
    public static let none: Augmentation = {
        var none = Augmentation()
        none.rotationDegrees = 0
        none.scale = 0
        none.shift = 0
        none.flip = false
        none.erasingProbability = 0
        return none
    }()

    /// The random draws for one image, in the order they are taken from the generator.
    public struct Draw: Sendable, Equatable {
        public var radians: Float
        public var scale: Float
        public var shiftX: Float
        public var shiftY: Float
        public var flipped: Bool
        /// The erased square (left, top, side) in pixels, if any.
        public var erased: (x: Int, y: Int, side: Int)?

        public init(radians: Float, scale: Float, shiftX: Float, shiftY: Float, flipped: Bool, erased: (x: Int, y: Int, side: Int)?) {
            self.radians = radians
            self.scale = scale
            self.shiftX = shiftX
            self.shiftY = shiftY
            self.flipped = flipped
            self.erased = erased
        }

        public static func == (a: Draw, b: Draw) -> Bool {
            a.radians == b.radians && a.scale == b.scale && a.shiftX == b.shiftX && a.shiftY == b.shiftY
                && a.flipped == b.flipped && a.erased?.x == b.erased?.x && a.erased?.y == b.erased?.y
                && a.erased?.side == b.erased?.side
        }
    }

    public func draw(side: Int, random: inout SeededRandom) -> Draw {
        func symmetric(_ limit: Float) -> Float { (random.uniform() * 2 - 1) * limit }
        let radians = symmetric(rotationDegrees) * .pi / 180
        let scale = 1 + symmetric(self.scale)
        let shiftX = symmetric(shift) * Float(side), shiftY = symmetric(shift) * Float(side)
        let flipped = flip && random.uniform() < 0.5
        var erased: (x: Int, y: Int, side: Int)?
        if random.uniform() < erasingProbability {
            let fraction = erasingSide.lowerBound + random.uniform() * (erasingSide.upperBound - erasingSide.lowerBound)
            let square = max(1, Int((fraction * Float(side)).rounded()))
            let x = Int(random.uniform() * Float(side - square + 1)), y = Int(random.uniform() * Float(side - square + 1))
            erased = (x, y, square)
        }
        return Draw(radians: radians, scale: scale, shiftX: shiftX, shiftY: shiftY, flipped: flipped, erased: erased)
    }

    /// Writes the augmented `side` x `side` image to `output`. Output pixel p comes from source
    /// point c + R(-θ)(p - c - t) / s (c the centre, t the shift), mirrored when flipped, read
    /// bilinearly with coordinates clamped to the image (border replication). The erased square
    /// is filled with uniform noise in [-1, 1] drawn from `random`.
    public static func apply(
        _ draw: Draw, to image: UnsafePointer<Float>, side: Int, output: UnsafeMutablePointer<Float>, random: inout SeededRandom
    ) {
        let centre = Float(side - 1) / 2, last = Float(side - 1)
        let cosine = cos(draw.radians) / draw.scale, sine = sin(draw.radians) / draw.scale
        for y in 0..<side {
            let dy = Float(y) - centre - draw.shiftY
            for x in 0..<side {
                let dx = Float(x) - centre - draw.shiftX
                var sx = centre + cosine * dx + sine * dy
                let sy = centre - sine * dx + cosine * dy
                if draw.flipped { sx = last - sx }
                output[y * side + x] = bilinear(image, side: side, x: min(max(sx, 0), last), y: min(max(sy, 0), last))
            }
        }
        if let erased = draw.erased {
            for y in erased.y..<(erased.y + erased.side) {
                for x in erased.x..<(erased.x + erased.side) { output[y * side + x] = random.uniform() * 2 - 1 }
            }
        }
    }

    /// The image at (x, y), both within [0, side - 1].
    @inline(__always)
    static func bilinear(_ image: UnsafePointer<Float>, side: Int, x: Float, y: Float) -> Float {
        let x0 = min(Int(x), side - 1), y0 = min(Int(y), side - 1)
        let x1 = min(x0 + 1, side - 1), y1 = min(y0 + 1, side - 1)
        let fx = x - Float(x0), fy = y - Float(y0)
        let top = image[y0 * side + x0] + (image[y0 * side + x1] - image[y0 * side + x0]) * fx
        let bottom = image[y1 * side + x0] + (image[y1 * side + x1] - image[y1 * side + x0]) * fx
        return top + (bottom - top) * fy
    }
}
