import ModelFormat

/// Max and average pooling, NHWC, with TensorFlow's padding: padded positions never win a max
/// and are left out of an average's count.
///
///   input  [N, H, W, C]
///   output [N, Ho, Wo, C]
struct Pooling2D: Layer {
    enum Kind: Sendable { case max, average }

    let name: String
    let kind: Kind
    let inputShape: FeatureShape
    let outputShape: FeatureShape
    let window: SlidingWindow

    init(name: String, kind: Kind, input: FeatureShape, pool: (height: Int, width: Int), stride: (y: Int, x: Int), padding: Padding) {
        let window = SlidingWindow(input: input, size: pool, stride: stride, padding: padding)
        self.name = name
        self.kind = kind
        self.inputShape = input
        self.window = window
        self.outputShape = FeatureShape(height: window.outputHeight, width: window.outputWidth, channels: input.channels)
    }

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { 0 }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        if kind == .max && inputShape.channels % 16 == 0 {
            maxPool(SIMD16<Float>.self, inputs[0], output: output, items: items)
        } else if kind == .max && inputShape.channels % 8 == 0 {
            maxPool(SIMD8<Float>.self, inputs[0], output: output, items: items)
        } else {
            poolScalar(inputs[0], output: output, items: items)
        }
    }

    /// Vector max pooling: each output pixel's channels held in registers over the window.
    @inline(never)
    private func maxPool<V: FloatVector>(_: V.Type, _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, items: Range<Int>) {
        let channels = inputShape.channels
        for row in items {
            let image = input + (row / outputShape.height) * inputShape.count
            let oy = row % outputShape.height
            let y0 = max(0, oy * window.strideY - window.padTop), y1 = min(inputShape.height, oy * window.strideY - window.padTop + window.height)
            let outRow = output + row * outputShape.rowCount
            for ox in 0..<outputShape.width {
                let x0 = max(0, ox * window.strideX - window.padLeft), x1 = min(inputShape.width, ox * window.strideX - window.padLeft + window.width)
                var c = 0
                while c < channels {
                    var best = V.load(image + (y0 * inputShape.width + x0) * channels + c)
                    for y in y0..<y1 {
                        for x in x0..<x1 {
                            best = best.maximum(V.load(image + (y * inputShape.width + x) * channels + c))
                        }
                    }
                    best.store(outRow + ox * channels + c)
                    c += V.scalarCount
                }
            }
        }
    }

    private func poolScalar(_ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, items: Range<Int>) {
        let channels = inputShape.channels
        for row in items {
            let image = input + (row / outputShape.height) * inputShape.count
            let oy = row % outputShape.height
            let y0 = max(0, oy * window.strideY - window.padTop), y1 = min(inputShape.height, oy * window.strideY - window.padTop + window.height)
            let outRow = output + row * outputShape.rowCount
            for ox in 0..<outputShape.width {
                let x0 = max(0, ox * window.strideX - window.padLeft), x1 = min(inputShape.width, ox * window.strideX - window.padLeft + window.width)
                let target = outRow + ox * channels
                target.update(from: image + (y0 * inputShape.width + x0) * channels, count: channels)
                for y in y0..<y1 {
                    for x in x0..<x1 where y != y0 || x != x0 {
                        let source = image + (y * inputShape.width + x) * channels
                        switch kind {
                        case .max: for c in 0..<channels { target[c] = max(target[c], source[c]) }
                        case .average: for c in 0..<channels { target[c] += source[c] }
                        }
                    }
                }
                if kind == .average {
                    let inverse = 1 / Float((y1 - y0) * (x1 - x0))
                    for c in 0..<channels { target[c] *= inverse }
                }
            }
        }
    }

    /// Reference kernel (test oracle).
    func naiveForward(_ input: [Float], batch: Int) -> [Float] {
        let channels = inputShape.channels
        var result = [Float](repeating: 0, count: batch * outputShape.count)
        for n in 0..<batch {
            for oy in 0..<outputShape.height {
                for ox in 0..<outputShape.width {
                    for c in 0..<channels {
                        var best = -Float.infinity, sum = 0.0, count = 0
                        for py in 0..<window.height {
                            for px in 0..<window.width {
                                let iy = oy * window.strideY + py - window.padTop, ix = ox * window.strideX + px - window.padLeft
                                guard iy >= 0, iy < inputShape.height, ix >= 0, ix < inputShape.width else { continue }
                                let value = input[n * inputShape.count + (iy * inputShape.width + ix) * channels + c]
                                best = max(best, value)
                                sum += Double(value)
                                count += 1
                            }
                        }
                        result[n * outputShape.count + (oy * outputShape.width + ox) * channels + c] =
                            kind == .max ? best : Float(sum / Double(count))
                    }
                }
            }
        }
        return result
    }
}
