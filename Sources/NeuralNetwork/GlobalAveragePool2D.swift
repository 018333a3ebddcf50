/// Mean over all spatial positions, per channel.
///
///   input  [N, H, W, C]
///   output [N, 1, 1, C]
struct GlobalAveragePool2D: Layer {
    let name: String
    let inputShape: FeatureShape
    var outputShape: FeatureShape { FeatureShape(height: 1, width: 1, channels: inputShape.channels) }

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { 0 }

    func workItems(batch: Int) -> Int { batch }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let channels = inputShape.channels
        let pixels = inputShape.height * inputShape.width
        let inverse = 1 / Float(pixels)
        for image in items {
            let source = inputs[0] + image * inputShape.count
            let target = output + image * channels
            target.update(from: source, count: channels)
            for p in 1..<max(pixels, 1) {
                for c in 0..<channels { target[c] += source[p * channels + c] }
            }
            for c in 0..<channels { target[c] *= inverse }
        }
    }

    /// Reference kernel (test oracle).
    func naiveForward(_ input: [Float], batch: Int) -> [Float] {
        let channels = inputShape.channels, pixels = inputShape.height * inputShape.width
        return (0..<(batch * channels)).map { i in
            let n = i / channels, c = i % channels
            var sum = 0.0
            for p in 0..<pixels { sum += Double(input[n * inputShape.count + p * channels + c]) }
            return Float(sum / Double(pixels))
        }
    }
}
