/// OpenCV's bit-exact bilinear resize (`INTER_LINEAR_EXACT`) for 8-bit images, which its cascade
/// detector uses to build the image pyramid (the face detector must see the same pyramid to find
/// the same faces). Weights have 8 fractional bits; the horizontal pass keeps 8 fractional bits,
/// the vertical pass rounds 16 away. Positions past the image edge clamp to the edge pixel.
/// Checked bit for bit against cv2 by scripts/reference/haar_reference.py.
public enum LinearExactResize {
    public static func resize(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        precondition(width > 0 && height > 0, "target size must be positive")
        if width == image.width && height == image.height { return image }
        let columns = Axis(source: image.width, target: width)
        let rows = Axis(source: image.height, target: height)

        // Horizontal pass over every source row: 8 fractional bits.
        var horizontal = [UInt32](repeating: 0, count: image.height * width)
        image.pixels.withUnsafeBufferPointer { src in
            horizontal.withUnsafeMutableBufferPointer { hz in
                for r in 0..<image.height {
                    let row = r * image.width, out = r * width
                    for d in 0..<width {
                        if d < columns.low {
                            hz[out + d] = UInt32(src[row]) << 8
                        } else if d >= columns.high {
                            hz[out + d] = UInt32(src[row + image.width - 1]) << 8
                        } else {
                            let o = columns.offsets[d]
                            hz[out + d] = columns.first[d] * UInt32(src[row + o]) + columns.second[d] * UInt32(src[row + o + 1])
                        }
                    }
                }
            }
        }
        var output = [UInt8](repeating: 0, count: width * height)
        horizontal.withUnsafeBufferPointer { hz in
            output.withUnsafeMutableBufferPointer { dst in
                for e in 0..<height {
                    let out = e * width
                    if e < rows.low || e >= rows.high {
                        let source = (e < rows.low ? 0 : image.height - 1) * width
                        for d in 0..<width { dst[out + d] = UInt8(clamping: (hz[source + d] + 128) >> 8) }
                    } else {
                        let upper = rows.offsets[e] * width, lower = upper + width
                        let c0 = rows.first[e], c1 = rows.second[e]
                        for d in 0..<width {
                            dst[out + d] = UInt8(clamping: (c0 * hz[upper + d] + c1 * hz[lower + d] + 32768) >> 16)
                        }
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: output)
    }

    /// Source positions and 8-bit weights along one axis; outputs before `low` and from `high`
    /// on take the edge sample alone.
    struct Axis {
        var offsets: [Int]
        var first: [UInt32]
        var second: [UInt32]
        var low = 0
        var high: Int

        init(source: Int, target: Int) {
            // OpenCV's step: 1 / (target / source), in double precision.
            let scale = 1.0 / (Double(target) / Double(source))
            offsets = [Int](repeating: 0, count: target)
            first = [UInt32](repeating: 0, count: target)
            second = [UInt32](repeating: 0, count: target)
            high = target
            for d in 0..<target {
                let f = scale * (Double(d) + 0.5) - 0.5
                let i = Int(f.rounded(.down))
                if i >= 0 && source > 1 {
                    if i < source - 1 {
                        offsets[d] = i
                        let weight = UInt32(((f - Double(i)) * 256).rounded(.toNearestOrEven))
                        second[d] = weight
                        first[d] = 256 - weight
                    } else {
                        offsets[d] = source - 1
                        high = min(high, d)
                    }
                } else {
                    low = max(low, d + 1)
                }
            }
        }
    }
}
