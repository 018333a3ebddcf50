import ModelFormat

/// Zero padding of a map's height, width and channels. BlazeFace widens a residual skip path to
/// the channels of the block it joins this way (TensorFlow Lite's PAD).
///
///   input  [N, H, W, C]
///   output [N, top + H + bottom, left + W + right, front + C + back]
struct ZeroPad: Layer {
    let name: String
    let inputShape: FeatureShape
    let outputShape: FeatureShape
    let top: Int, left: Int, front: Int

    /// `paddings` is [[top, bottom], [left, right], [front, back]].
    init(name: String, input: FeatureShape, paddings: [[Int]]) {
        precondition(paddings.count == 3 && paddings.allSatisfy { $0.count == 2 && $0.allSatisfy { $0 >= 0 } }, "\(name): bad paddings")
        self.name = name
        inputShape = input
        outputShape = FeatureShape(
            height: input.height + paddings[0][0] + paddings[0][1], width: input.width + paddings[1][0] + paddings[1][1],
            channels: input.channels + paddings[2][0] + paddings[2][1])
        top = paddings[0][0]
        left = paddings[1][0]
        front = paddings[2][0]
    }

    var scratchCount: Int { 0 }

    var multiplyAccumulates: Int { 0 }

    func workItems(batch: Int) -> Int { batch * outputShape.height }

    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>
    ) {
        let cin = inputShape.channels, cout = outputShape.channels
        for row in items {
            let out = output + row * outputShape.rowCount
            let y = row % outputShape.height - top
            out.update(repeating: 0, count: outputShape.rowCount)
            guard y >= 0 && y < inputShape.height else { continue }
            let source = inputs[0] + (row / outputShape.height) * inputShape.count + y * inputShape.rowCount
            for x in 0..<inputShape.width {
                (out + (x + left) * cout + front).update(from: source + x * cin, count: cin)
            }
        }
    }

    /// Reference kernel (test oracle).
    func naiveForward(_ input: [Float], batch: Int) -> [Float] {
        var result = [Float](repeating: 0, count: batch * outputShape.count)
        for n in 0..<batch {
            for y in 0..<inputShape.height {
                for x in 0..<inputShape.width {
                    for c in 0..<inputShape.channels {
                        result[n * outputShape.count + ((y + top) * outputShape.width + x + left) * outputShape.channels + c + front] =
                            input[n * inputShape.count + (y * inputShape.width + x) * inputShape.channels + c]
                    }
                }
            }
        }
        return result
    }
}
