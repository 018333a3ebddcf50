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

/// Where a window of `size` taps with `stride` lands on an axis of `input` samples.
struct WindowGeometry: Equatable, Sendable {
    /// Output samples along the axis.
    var output: Int
    /// Zero samples added before the first input sample (TensorFlow puts the odd one after).
    var padBefore: Int

    init(input: Int, size: Int, stride: Int, padding: Padding) {
        switch padding {
        case .valid:
            output = (input - size) / stride + 1
            padBefore = 0
        case .same:
            output = (input + stride - 1) / stride
            padBefore = max((output - 1) * stride + size - input, 0) / 2
        }
    }
}
