import ModelFormat

/// Bilinear resampling of a map to another height and width, as TensorFlow Lite's RESIZE_BILINEAR
/// computes it: a destination pixel samples source position (d + 0.5) * scale - 0.5 with half-pixel
/// centres (d * scale without), scale = source size / destination size; the two neighbours are
/// clamped to the map, and their weights are the position's distance from the lower one.
/// BlazeFace upsamples 2x with it in its feature pyramid.
///
///   input  [N, H, W, C]
///   output [N, Ho, Wo, C]
struct ResizeBilinear: Layer {
    let name: String
    let inputShape: FeatureShape
    let outputShape: FeatureShape
    let halfPixelCenters: Bool
    /// Per destination column: the two source columns and the upper one's weight.
    let columns: [Neighbours]

    struct Neighbours: Sendable {
        let lower: Int, upper: Int
        let weight: Float
    }

    init(name: String, input: FeatureShape, height: Int, width: Int, halfPixelCenters: Bool) {
        self.name = name
        inputShape = input
        outputShape = FeatureShape(height: height, width: width, channels: input.channels)
        self.halfPixelCenters = halfPixelCenters
        columns = (0..<width).map { Self.neighbours($0, source: input.width, destination: width, halfPixelCenters: halfPixelCenters) }
    }

    /// TensorFlow Lite's interpolation values for one axis, in Float as it computes them.
    static func neighbours(_ index: Int, source: Int, destination: Int, halfPixelCenters: Bool) -> Neighbours {
        let scale = Float(source) / Float(destination)
        let position = halfPixelCenters ? (Float(index) + 0.5) * scale - 0.5 : Float(index) * scale
        let lower = max(Int(position.rounded(.down)), 0)
        let upper = min(Int(position.rounded(.up)), source - 1)
        return Neighbours(lower: lower, upper: upper, weight: position - Float(lower))
    }

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { 0 }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let channels = inputShape.channels
        columns.withUnsafeBufferPointer { columns in
            for row in items {
                let image = inputs[0] + (row / outputShape.height) * inputShape.count
                let rows = Self.neighbours(
                    row % outputShape.height, source: inputShape.height, destination: outputShape.height, halfPixelCenters: halfPixelCenters)
                let top = image + rows.lower * inputShape.rowCount, bottom = image + rows.upper * inputShape.rowCount
                let fy = rows.weight
                var out = output + row * outputShape.rowCount
                for column in columns {
                    let fx = column.weight
                    let topLeft = top + column.lower * channels, topRight = top + column.upper * channels
                    let bottomLeft = bottom + column.lower * channels, bottomRight = bottom + column.upper * channels
                    for c in 0..<channels {
                        // TensorFlow Lite's order of terms, so that the rounding matches.
                        out[c] =
                            topLeft[c] * (1 - fy) * (1 - fx) + bottomLeft[c] * fy * (1 - fx) + topRight[c] * (1 - fy) * fx
                            + bottomRight[c] * fy * fx
                    }
                    out += channels
                }
            }
        }
    }

    /// Reference kernel (test oracle): bilinear sampling from its definition, edges clamped, in Double.
    func naiveForward(_ input: [Float], batch: Int) -> [Float] {
        func axis(_ d: Int, _ source: Int, _ destination: Int) -> (Int, Int, Double) {
            let scale = Double(source) / Double(destination)
            // Sampling outside the map takes the nearest edge.
            let unclamped = halfPixelCenters ? (Double(d) + 0.5) * scale - 0.5 : Double(d) * scale
            let position = min(max(unclamped, 0), Double(source - 1))
            let lower = Int(position.rounded(.down))
            return (lower, min(lower + 1, source - 1), position - Double(lower))
        }
        var result = [Float](repeating: 0, count: batch * outputShape.count)
        let c = inputShape.channels
        for n in 0..<batch {
            for y in 0..<outputShape.height {
                let (y0, y1, fy) = axis(y, inputShape.height, outputShape.height)
                for x in 0..<outputShape.width {
                    let (x0, x1, fx) = axis(x, inputShape.width, outputShape.width)
                    for k in 0..<c {
                        func value(_ yy: Int, _ xx: Int) -> Double { Double(input[n * inputShape.count + (yy * inputShape.width + xx) * c + k]) }
                        let top = value(y0, x0) * (1 - fx) + value(y0, x1) * fx
                        let bottom = value(y1, x0) * (1 - fx) + value(y1, x1) * fx
                        result[n * outputShape.count + (y * outputShape.width + x) * c + k] = Float(top * (1 - fy) + bottom * fy)
                    }
                }
            }
        }
        return result
    }
}
