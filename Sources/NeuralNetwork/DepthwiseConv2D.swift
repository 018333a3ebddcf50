import ModelFormat

/// Depthwise 2-D convolution, NHWC, computed directly (no GEMM): every input channel is
/// convolved with its own `multiplier` kernels. The inner loops run along channels, which are
/// contiguous in NHWC, so they vectorise.
///
///   input   [N, H, W, C]
///   weights [kh, kw, C, M]   (Keras layout)
///   bias    [C * M]
///   output  [N, Ho, Wo, C * M]   (output channel c * M + m)
struct DepthwiseConv2D: Layer {
    let name: String
    let inputShape: FeatureShape
    let outputShape: FeatureShape
    let window: SlidingWindow
    let multiplier: Int
    /// [kh, kw, C, M]
    private(set) var weights: [Float]
    /// [C * M]
    private(set) var bias: [Float]
    var activation: FusedActivation

    init(
        name: String, input: FeatureShape, weights: [Float], bias: [Float]?, multiplier: Int,
        kernel: (height: Int, width: Int), stride: (y: Int, x: Int), padding: Padding,
        activation: FusedActivation = .none
    ) {
        precondition(
            weights.count == kernel.height * kernel.width * input.channels * multiplier,
            "\(name): depthwise kernel size does not match its shape")
        let window = SlidingWindow(input: input, size: kernel, stride: stride, padding: padding)
        self.name = name
        self.inputShape = input
        self.window = window
        self.outputShape = FeatureShape(
            height: window.outputHeight, width: window.outputWidth,
            channels: input.channels * multiplier)
        self.multiplier = multiplier
        self.weights = weights
        self.bias = bias ?? [Float](repeating: 0, count: input.channels * multiplier)
        self.activation = activation
    }

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { outputShape.count * window.height * window.width }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    mutating func fold(_ norm: BatchNorm) {
        let channels = outputShape.channels
        for tap in 0..<(window.height * window.width) {
            for c in 0..<channels { weights[tap * channels + c] *= norm.scale[c] }
        }
        for c in 0..<channels { bias[c] = bias[c] * norm.scale[c] + norm.shift[c] }
    }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        var row = items.lowerBound
        while row < items.upperBound {
            let image = row / outputShape.height
            let firstY = row % outputShape.height
            let count = min(items.upperBound - row, outputShape.height - firstY)
            bias.withUnsafeBufferPointer { b in
                computeRows(
                    image: inputs[0] + image * inputShape.count, firstRow: firstY, rows: count,
                    into: output + row * outputShape.rowCount, epilogue: (b.baseAddress!, activation))
            }
            row += count
        }
    }

    /// The convolution for output rows `firstRow..<firstRow+rows` of one image, written
    /// contiguously to `out`; with an `epilogue`, plus bias and activation. The vector paths start
    /// each sum from the bias and apply the activation as they store, saving a pass over the output.
    func computeRows(
        image: UnsafePointer<Float>, firstRow: Int, rows: Int, into out: UnsafeMutablePointer<Float>,
        epilogue: (bias: UnsafePointer<Float>, activation: FusedActivation)? = nil
    ) {
        weights.withUnsafeBufferPointer { w in
            if multiplier == 1 && inputShape.channels == 8 && window.strideX == 1 {
                computeRowsInPixelPairs(image: image, firstRow: firstRow, rows: rows, weights: w.baseAddress!, into: out, epilogue: epilogue)
            } else if multiplier == 1 && inputShape.channels % 16 == 0 {
                computeRows(SIMD16<Float>.self, image: image, firstRow: firstRow, rows: rows, weights: w.baseAddress!, into: out, epilogue: epilogue)
            } else if multiplier == 1 && inputShape.channels % 8 == 0 {
                computeRows(SIMD8<Float>.self, image: image, firstRow: firstRow, rows: rows, weights: w.baseAddress!, into: out, epilogue: epilogue)
            } else if multiplier == 1 && inputShape.channels % 4 == 0 {
                // BlazeFace's 12- and 36-channel maps.
                computeRows(SIMD4<Float>.self, image: image, firstRow: firstRow, rows: rows, weights: w.baseAddress!, into: out, epilogue: epilogue)
            } else {
                computeRowsScalar(image: image, firstRow: firstRow, rows: rows, weights: w.baseAddress!, into: out)
                if let epilogue {
                    epilogue.activation.apply(to: out, pixels: rows * outputShape.width, channels: outputShape.channels, bias: epilogue.bias)
                }
            }
        }
    }

    /// Vector path (multiplier 1, channels a multiple of the vector width). Pixels whose window
    /// lies inside the image horizontally go in blocks of eight, one accumulator each, so every
    /// weight load feeds eight independent FMA chains; a row's last block overlaps the one before
    /// it rather than leaving a remainder (the overlap is computed twice, identically). Border
    /// pixels, and all pixels of maps too narrow for a block, go one by one over their inside
    /// taps, four channel runs at a time for independent chains.
    @inline(never)
    private func computeRows<V: FloatVector>(
        _: V.Type, image: UnsafePointer<Float>, firstRow: Int, rows: Int,
        weights: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
        epilogue: (bias: UnsafePointer<Float>, activation: FusedActivation)?
    ) {
        let channels = inputShape.channels
        let lanes = V.scalarCount
        let relu = epilogue?.activation == .relu
        @inline(__always) func start(_ c: Int) -> V { epilogue.map { V.load($0.bias + c) } ?? V() }
        @inline(__always) func store(_ value: V, _ target: UnsafeMutablePointer<Float>) { (relu ? value.relu() : value).store(target) }
        let insideStart = window.insideColumns.lowerBound, insideEnd = window.insideColumns.upperBound
        let blocks = insideEnd - insideStart >= 8
        let step = window.strideX * channels
        var destination = out
        for oy in firstRow..<(firstRow + rows) {
            let y0 = oy * window.strideY - window.padTop
            let kyStart = max(0, -y0), kyEnd = min(window.height, inputShape.height - y0)
            if blocks {
                var c = 0
                while c < channels {
                    var ox = insideStart
                    while ox < insideEnd {
                        let block = min(ox, insideEnd - 8)
                        let first = start(c)
                        var s0 = first, s1 = first, s2 = first, s3 = first, s4 = first, s5 = first, s6 = first, s7 = first
                        for ky in kyStart..<kyEnd {
                            let source = image + ((y0 + ky) * inputShape.width + block * window.strideX - window.padLeft) * channels + c
                            let tap = weights + ky * window.width * channels + c
                            for kx in 0..<window.width {
                                let w = V.load(tap + kx * channels)
                                let p = source + kx * channels
                                s0 = s0.addingProduct(V.load(p), w)
                                s1 = s1.addingProduct(V.load(p + step), w)
                                s2 = s2.addingProduct(V.load(p + 2 * step), w)
                                s3 = s3.addingProduct(V.load(p + 3 * step), w)
                                s4 = s4.addingProduct(V.load(p + 4 * step), w)
                                s5 = s5.addingProduct(V.load(p + 5 * step), w)
                                s6 = s6.addingProduct(V.load(p + 6 * step), w)
                                s7 = s7.addingProduct(V.load(p + 7 * step), w)
                            }
                        }
                        let target = destination + block * channels + c
                        store(s0, target)
                        store(s1, target + channels)
                        store(s2, target + 2 * channels)
                        store(s3, target + 3 * channels)
                        store(s4, target + 4 * channels)
                        store(s5, target + 5 * channels)
                        store(s6, target + 6 * channels)
                        store(s7, target + 7 * channels)
                        ox = block + 8
                    }
                    c += lanes
                }
            }
            for ox in 0..<outputShape.width where !blocks || ox < insideStart || ox >= insideEnd {
                let x0 = ox * window.strideX - window.padLeft
                let kxStart = max(0, -x0), kxEnd = min(window.width, inputShape.width - x0)
                var c = 0
                while c < channels {
                    let runs = min(4, (channels - c) / lanes)
                    var s0 = start(c)
                    var s1 = runs > 1 ? start(c + lanes) : V(), s2 = runs > 2 ? start(c + 2 * lanes) : V()
                    var s3 = runs > 3 ? start(c + 3 * lanes) : V()
                    for ky in kyStart..<kyEnd {
                        let source = image + ((y0 + ky) * inputShape.width + x0) * channels + c
                        let tap = weights + ky * window.width * channels + c
                        for kx in kxStart..<kxEnd {
                            let p = source + kx * channels, w = tap + kx * channels
                            s0 = s0.addingProduct(V.load(p), V.load(w))
                            if runs > 1 { s1 = s1.addingProduct(V.load(p + lanes), V.load(w + lanes)) }
                            if runs > 2 { s2 = s2.addingProduct(V.load(p + 2 * lanes), V.load(w + 2 * lanes)) }
                            if runs > 3 { s3 = s3.addingProduct(V.load(p + 3 * lanes), V.load(w + 3 * lanes)) }
                        }
                    }
                    let target = destination + ox * channels + c
                    store(s0, target)
                    if runs > 1 { store(s1, target + lanes) }
                    if runs > 2 { store(s2, target + 2 * lanes) }
                    if runs > 3 { store(s3, target + 3 * lanes) }
                    c += runs * lanes
                }
            }
            destination += outputShape.rowCount
        }
    }

    /// Eight channels at stride 1: two neighbouring pixels are sixteen contiguous floats, so one
    /// 16-lane vector holds a pixel pair against the tap's weights repeated twice, and a block of
    /// eight accumulators covers sixteen pixels. Border pixels go one by one in 8 lanes.
    @inline(never)
    private func computeRowsInPixelPairs(
        image: UnsafePointer<Float>, firstRow: Int, rows: Int,
        weights: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
        epilogue: (bias: UnsafePointer<Float>, activation: FusedActivation)?
    ) {
        typealias V = SIMD16<Float>
        let insideStart = window.insideColumns.lowerBound, insideEnd = window.insideColumns.upperBound
        let relu = epilogue?.activation == .relu
        let bias8 = epilogue.map { SIMD8<Float>.load($0.bias) } ?? SIMD8<Float>()
        let biasPair = V(lowHalf: bias8, highHalf: bias8)
        @inline(__always) func store<W: FloatVector>(_ value: W, _ target: UnsafeMutablePointer<Float>) {
            (relu ? value.relu() : value).store(target)
        }
        var destination = out
        for oy in firstRow..<(firstRow + rows) {
            let y0 = oy * window.strideY - window.padTop
            let kyStart = max(0, -y0), kyEnd = min(window.height, inputShape.height - y0)
            var ox = 0
            while ox < outputShape.width {
                if ox >= insideStart && ox + 16 <= insideEnd {
                    var s0 = biasPair, s1 = biasPair, s2 = biasPair, s3 = biasPair
                    var s4 = biasPair, s5 = biasPair, s6 = biasPair, s7 = biasPair
                    for ky in kyStart..<kyEnd {
                        let source = image + ((y0 + ky) * inputShape.width + ox - window.padLeft) * 8
                        let tap = weights + ky * window.width * 8
                        for kx in 0..<window.width {
                            let half = SIMD8<Float>.load(tap + kx * 8)
                            let w = V(lowHalf: half, highHalf: half)
                            let p = source + kx * 8
                            s0 = s0.addingProduct(V.load(p), w)
                            s1 = s1.addingProduct(V.load(p + 16), w)
                            s2 = s2.addingProduct(V.load(p + 32), w)
                            s3 = s3.addingProduct(V.load(p + 48), w)
                            s4 = s4.addingProduct(V.load(p + 64), w)
                            s5 = s5.addingProduct(V.load(p + 80), w)
                            s6 = s6.addingProduct(V.load(p + 96), w)
                            s7 = s7.addingProduct(V.load(p + 112), w)
                        }
                    }
                    let target = destination + ox * 8
                    store(s0, target)
                    store(s1, target + 16)
                    store(s2, target + 32)
                    store(s3, target + 48)
                    store(s4, target + 64)
                    store(s5, target + 80)
                    store(s6, target + 96)
                    store(s7, target + 112)
                    ox += 16
                    continue
                }
                let x0 = ox - window.padLeft
                var sum = bias8
                for ky in kyStart..<kyEnd {
                    let source = image + ((y0 + ky) * inputShape.width + x0) * 8
                    let tap = weights + ky * window.width * 8
                    for kx in max(0, -x0)..<min(window.width, inputShape.width - x0) {
                        sum = sum.addingProduct(SIMD8<Float>.load(source + kx * 8), SIMD8<Float>.load(tap + kx * 8))
                    }
                }
                store(sum, destination + ox * 8)
                ox += 1
            }
            destination += outputShape.rowCount
        }
    }

    /// General path: any multiplier and channel count.
    private func computeRowsScalar(
        image: UnsafePointer<Float>, firstRow: Int, rows: Int, weights: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        let channels = inputShape.channels
        let outChannels = outputShape.channels
        var destination = out
        for oy in firstRow..<(firstRow + rows) {
            destination.update(repeating: 0, count: outputShape.rowCount)
            for ky in 0..<window.height {
                let iy = oy * window.strideY + ky - window.padTop
                guard iy >= 0 && iy < inputShape.height else { continue }
                let inputRow = image + iy * inputShape.rowCount
                for kx in 0..<window.width {
                    let tap = weights + (ky * window.width + kx) * outChannels
                    for ox in 0..<outputShape.width {
                        let ix = ox * window.strideX + kx - window.padLeft
                        guard ix >= 0 && ix < inputShape.width else { continue }
                        let source = inputRow + ix * channels
                        let target = destination + ox * outChannels
                        for c in 0..<channels {
                            for m in 0..<multiplier {
                                target[c * multiplier + m] += source[c] * tap[c * multiplier + m]
                            }
                        }
                    }
                }
            }
            destination += outputShape.rowCount
        }
    }

    /// Reference kernel (test oracle): direct depthwise convolution over a batch, in Double.
    func naiveForward(_ input: [Float], batch: Int) -> [Float] {
        let channels = inputShape.channels
        var result = [Float](repeating: 0, count: batch * outputShape.count)
        for n in 0..<batch {
            for oy in 0..<outputShape.height {
                for ox in 0..<outputShape.width {
                    for c in 0..<channels {
                        for m in 0..<multiplier {
                            let co = c * multiplier + m
                            var sum = Double(bias[co])
                            for ky in 0..<window.height {
                                for kx in 0..<window.width {
                                    let iy = oy * window.strideY + ky - window.padTop, ix = ox * window.strideX + kx - window.padLeft
                                    guard iy >= 0, iy < inputShape.height, ix >= 0, ix < inputShape.width else { continue }
                                    sum +=
                                        Double(input[n * inputShape.count + (iy * inputShape.width + ix) * channels + c])
                                        * Double(weights[(ky * window.width + kx) * outputShape.channels + co])
                                }
                            }
                            result[n * outputShape.count + (oy * outputShape.width + ox) * outputShape.channels + co] = activation(Float(sum))
                        }
                    }
                }
            }
        }
        return result
    }
}
