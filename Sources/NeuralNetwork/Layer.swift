import ModelFormat

/// One compiled layer of a network. Layers are plain functions over contiguous NHWC Float buffers;
/// each owns its weights (allocated once, at load) and declares how its work splits across threads.
///
/// Training has its own layers (module `Training`), with backward passes, over the same NHWC layout.
protocol Layer: Sendable {
    var name: String { get }
    var outputShape: FeatureShape { get }
    /// Independent units of work for a batch: output rows across all images for most layers,
    /// whole images for the ones that reduce over space. `forward` takes a range of them.
    func workItems(batch: Int) -> Int
    /// Floats of scratch space one thread needs while running `forward`.
    var scratchCount: Int { get }
    /// Multiply-accumulate operations per image, for throughput reports.
    var multiplyAccumulates: Int { get }
    /// Computes work items `items` of the output. `inputs` holds one pointer per graph input.
    func forward(
        _ inputs: UnsafeBufferPointer<UnsafePointer<Float>>, output: UnsafeMutablePointer<Float>,
        items: Range<Int>, scratch: UnsafeMutablePointer<Float>)
}

/// An activation applied in a layer's epilogue, while its output is still in cache.
enum FusedActivation: Sendable, Equatable {
    case none, relu

    /// Adds `bias` (one value per channel) and applies the activation to `count` pixels of
    /// `channels` values each.
    @inline(__always)
    func apply(to values: UnsafeMutablePointer<Float>, pixels: Int, channels: Int, bias: UnsafePointer<Float>) {
        var p = values
        switch self {
        case .none:
            for _ in 0..<pixels {
                for c in 0..<channels { p[c] += bias[c] }
                p += channels
            }
        case .relu:
            for _ in 0..<pixels {
                for c in 0..<channels { p[c] = max(p[c] + bias[c], 0) }
                p += channels
            }
        }
    }

    func callAsFunction(_ value: Float) -> Float {
        self == .relu ? max(value, 0) : value
    }
}
