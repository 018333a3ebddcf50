/// The layer graph stored in a model file's metadata: nodes in topological order.
public struct ModelGraph: Codable, Sendable, Equatable {
    public var nodes: [LayerSpec]
    public var outputs: [String]

    /// [height, width, channels] of the input node, as the file declares it.
    public var inputShape: [Int]? { nodes.first { $0.op == .input }?.shape }

    public init(nodes: [LayerSpec], outputs: [String]) {
        self.nodes = nodes
        self.outputs = outputs
    }
}

/// One node of the graph, with the parameters of its operation (the ones it does not use are nil).
public struct LayerSpec: Codable, Sendable, Equatable {
    public enum Operation: String, Codable, Sendable {
        case input, conv2d, separableConv2d = "separable_conv2d", depthwiseConv2d = "depthwise_conv2d"
        case batchNorm = "batch_norm", activation, maxPool2d = "max_pool2d", averagePool2d = "average_pool2d"
        case add, globalAveragePool2d = "global_average_pool2d", dense, flatten, dropout
        /// Zero padding of height, width and channels (`paddings`); BlazeFace widens its skip paths with it.
        case pad
        /// Bilinear resampling to `size` (TensorFlow Lite's RESIZE_BILINEAR).
        case resizeBilinear = "resize_bilinear"
    }

    public var name: String
    public var op: Operation
    public var inputs: [String]
    /// Input: [height, width, channels].
    public var shape: [Int]?
    /// Input: how 8-bit pixels become network inputs.
    public var normalization: PixelNormalization?
    public var filters: Int?
    public var kernel: [Int]?
    public var strides: [Int]?
    public var padding: Padding?
    public var useBias: Bool?
    public var activation: Activation?
    public var depthMultiplier: Int?
    public var pool: [Int]?
    public var epsilon: Float?
    public var center: Bool?
    public var scale: Bool?
    public var units: Int?
    /// Dropout: the fraction of values dropped in training (inference ignores it).
    public var rate: Float?
    /// Pad: zeros [before, after] each of height, width and channels.
    public var paddings: [[Int]]?
    /// Resize: the output [height, width].
    public var size: [Int]?
    /// Resize: sample at pixel centres, source = (destination + 0.5) * scale - 0.5 (TensorFlow's
    /// `half_pixel_centers`); false maps corner to corner, source = destination * scale.
    public var halfPixelCenters: Bool?

    public init(name: String, op: Operation, inputs: [String]) {
        self.name = name
        self.op = op
        self.inputs = inputs
    }

    enum CodingKeys: String, CodingKey {
        case name, op, inputs, shape, normalization, filters, kernel, strides, padding
        case useBias = "use_bias", activation, depthMultiplier = "depth_multiplier", pool, epsilon
        case center, scale, units, rate, paddings, size
        case halfPixelCenters = "half_pixel_centers"
    }
}

public enum Padding: String, Codable, Sendable {
    case valid, same
}

public enum Activation: String, Codable, Sendable {
    case linear, relu, softmax
}

/// value = ((pixel / divide) - subtract) * multiply, evaluated in Float as the Python preprocessing does.
public struct PixelNormalization: Codable, Sendable, Equatable {
    public var divide: Float
    public var subtract: Float
    public var multiply: Float

    public init(divide: Float, subtract: Float, multiply: Float) {
        self.divide = divide
        self.subtract = subtract
        self.multiply = multiply
    }

    /// The network input for every possible pixel value.
    public var table: [Float] {
        (0...255).map { ((Float($0) / divide) - subtract) * multiply }
    }
}
