import NeuralNetwork

extension SlidingWindow {
    /// Calls `body(outputPixel, tap, inputPixel)` for every output pixel of `batch` images of
    /// `input`, in output order, and every tap of its window that falls inside the image, in
    /// row-major window order: `tap` is ky * width + kx, and both pixels are counted across the
    /// batch (multiply by the channels for an offset). Taps in the padding are skipped.
    @inline(__always)
    func forEachInsideTap(batch: Int, input: FeatureShape, _ body: (Int, Int, Int) -> Void) {
        for n in 0..<batch {
            for oy in 0..<outputHeight {
                for ox in 0..<outputWidth {
                    let outputPixel = (n * outputHeight + oy) * outputWidth + ox
                    for ky in 0..<height {
                        let iy = oy * strideY + ky - padTop
                        guard iy >= 0, iy < input.height else { continue }
                        for kx in 0..<width {
                            let ix = ox * strideX + kx - padLeft
                            guard ix >= 0, ix < input.width else { continue }
                            body(outputPixel, ky * width + kx, (n * input.height + iy) * input.width + ix)
                        }
                    }
                }
            }
        }
    }
}
