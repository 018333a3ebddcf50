/// Bilinear resizing of 8-bit images with the exact integer arithmetic of OpenCV 4's
/// `cv::resize(..., INTER_LINEAR)` on `CV_8U`, so that a face resized here feeds the classifier
/// the same bytes it was trained and evaluated with through OpenCV.
///
/// OpenCV samples at half-pixel centres, keeps 11-bit fixed-point weights, runs a horizontal pass
/// into 32-bit sums and combines two rows with its SIMD rounding rule
/// `(((s0 >> 4) * b0) >> 16 + ((s1 >> 4) * b1) >> 16 + 2) >> 2`. Horizontal positions outside the
/// image clamp both index and weight; vertical ones clamp only the row index (not the weight).
/// The test fixture made by scripts/reference/make_image_golden.py checks this bit for bit.
public enum BilinearResize {
    static let coefficientBits = 11
    static let coefficientScale: Float = 2048

    /// The image resized to `width` x `height`.
    public static func resize(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        precondition(width > 0 && height > 0, "target size must be positive")
        if width == image.width && height == image.height { return image }
        let columns = samplePositions(source: image.width, target: width, clampWeights: true)
        let rows = samplePositions(source: image.height, target: height, clampWeights: false)

        var output = [UInt8](repeating: 0, count: width * height)
        var upper = [Int32](repeating: 0, count: width)
        var lower = [Int32](repeating: 0, count: width)
        image.pixels.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                var upperRow = -1, lowerRow = -1
                for dy in 0..<height {
                    let y0 = min(max(rows.index[dy], 0), image.height - 1)
                    let y1 = min(max(rows.index[dy] + 1, 0), image.height - 1)
                    // Reuse horizontal passes between output rows, as OpenCV's ring buffer does.
                    if y0 == lowerRow && y0 != upperRow {
                        swap(&upper, &lower)
                        swap(&upperRow, &lowerRow)
                    }
                    if y0 != upperRow {
                        horizontalPass(src, row: y0, imageWidth: image.width, columns: columns, into: &upper)
                        upperRow = y0
                    }
                    if y1 != lowerRow {
                        horizontalPass(src, row: y1, imageWidth: image.width, columns: columns, into: &lower)
                        lowerRow = y1
                    }
                    let b0 = Int32(rows.weight0[dy]), b1 = Int32(rows.weight1[dy])
                    let base = dy * width
                    for x in 0..<width {
                        let s0 = Int32(min(upper[x] >> 4, Int32(Int16.max)))
                        let s1 = Int32(min(lower[x] >> 4, Int32(Int16.max)))
                        let value = ((s0 * b0) >> 16) + ((s1 * b1) >> 16)
                        dst[base + x] = UInt8(clamping: (value + 2) >> 2)
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: output)
    }

    /// Per output position: the first source index and the two fixed-point weights.
    struct SamplePositions {
        var index: [Int]
        var weight0: [Int16]
        var weight1: [Int16]
    }

    static func samplePositions(source: Int, target: Int, clampWeights: Bool) -> SamplePositions {
        // OpenCV derives the step as 1 / (target / source) in double precision.
        let scale = 1.0 / (Double(target) / Double(source))
        var positions = SamplePositions(index: [], weight0: [], weight1: [])
        positions.index.reserveCapacity(target)
        for d in 0..<target {
            var f = Float((Double(d) + 0.5) * scale - 0.5)
            var s = Int(f.rounded(.down))
            f -= Float(s)
            if clampWeights {
                if s < 0 {
                    f = 0
                    s = 0
                }
                if s >= source - 1 {
                    f = 0
                    s = source - 1
                }
            }
            positions.index.append(s)
            positions.weight0.append(Int16((((1 as Float) - f) * coefficientScale).rounded(.toNearestOrEven)))
            positions.weight1.append(Int16((f * coefficientScale).rounded(.toNearestOrEven)))
        }
        return positions
    }

    private static func horizontalPass(
        _ src: UnsafeBufferPointer<UInt8>, row: Int, imageWidth: Int,
        columns: SamplePositions, into sums: inout [Int32]
    ) {
        let base = row * imageWidth
        for x in 0..<sums.count {
            let s = columns.index[x]
            let s1 = min(s + 1, imageWidth - 1)
            sums[x] =
                Int32(src[base + s]) * Int32(columns.weight0[x])
                + Int32(src[base + s1]) * Int32(columns.weight1[x])
        }
    }
}
