import ModelFormat

/// The shape of one image's feature map: height x width x channels, channels fastest. A batch of N
/// such maps is stored contiguously as [N, height, width, channels] (NHWC, as Keras keeps them).
public struct FeatureShape: Equatable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Floats in one image's map.
    public var count: Int { height * width * channels }
    /// Floats in one row of one image's map.
    public var rowCount: Int { width * channels }

    public var description: String { "\(height)x\(width)x\(channels)" }
}

/// How a kernel or pooling window slides over an input map: its size, stride and TensorFlow
/// padding ("same" puts the odd padding row or column after), and the output size that gives.
public struct SlidingWindow: Equatable, Sendable {
    public let height: Int, width: Int
    public let strideY: Int, strideX: Int
    public let padTop: Int, padLeft: Int
    public let outputHeight: Int, outputWidth: Int
    /// Output columns whose window lies inside the input horizontally (no padding taps).
    public let insideColumns: Range<Int>

    public init(input: FeatureShape, size: (height: Int, width: Int), stride: (y: Int, x: Int), padding: Padding) {
        let rows = Self.axis(input: input.height, size: size.height, stride: stride.y, padding: padding)
        let columns = Self.axis(input: input.width, size: size.width, stride: stride.x, padding: padding)
        height = size.height
        width = size.width
        strideY = stride.y
        strideX = stride.x
        padTop = rows.padBefore
        padLeft = columns.padBefore
        outputHeight = rows.output
        outputWidth = columns.output
        let first = min(columns.output, (columns.padBefore + stride.x - 1) / stride.x)
        let span = input.width - size.width + columns.padBefore
        insideColumns = first..<(span < 0 ? first : max(first, min(columns.output, span / stride.x + 1)))
    }

    /// Output samples along one axis of `input` samples, and the padding before the first.
    static func axis(input: Int, size: Int, stride: Int, padding: Padding) -> (output: Int, padBefore: Int) {
        switch padding {
        case .valid:
            return ((input - size) / stride + 1, 0)
        case .same:
            let output = (input + stride - 1) / stride
            return (output, max((output - 1) * stride + size - input, 0) / 2)
        }
    }
}
