import Logging
import ModelFormat

/// A model graph compiled for inference: layers in execution order, BatchNorm folded into the
/// convolutions before it, ReLU fused into the epilogue of the layer before it, Flatten and
/// Dropout turned into views. Immutable and shareable; each thread runs it through its own
/// `InferenceSession`.
public final class Network: Sendable {
    /// One image's input map.
    public let inputShape: FeatureShape
    /// One image's map of each graph output, in the graph's order: one for a classifier
    /// (1x1xclasses), a box and a score map per scale for a detector.
    public let outputShapes: [FeatureShape]
    /// The first (for a classifier, the only) output's map.
    public var outputShape: FeatureShape { outputShapes[0] }
    /// How 8-bit pixels become input values, from the model file.
    public let normalization: PixelNormalization
    public let labels: [String]

    /// Storage for values: index 0 is the network input; steps write the others.
    let valueShapes: [FeatureShape]
    let steps: [Step]
    /// The value each output is read from.
    let outputValues: [Int]

    struct Step: Sendable {
        let layer: any Layer
        let inputs: [Int]
        let output: Int
    }

    /// The number of layers that run (after fusion), for logs and tests.
    public var layerCount: Int { steps.count }
    /// Names of the layers that run, in order.
    public var layerNames: [String] { steps.map(\.layer.name) }
    /// Multiply-accumulates per image in the convolutions and dense layers.
    public var multiplyAccumulates: Int { steps.reduce(0) { $0 + $1.layer.multiplyAccumulates } }

    public convenience init(contentsOf path: String, logger: Logger = Logger(label: "moodwire.classifier")) throws(ModelFileError) {
        try self.init(model: ModelFile(contentsOf: path), path: path, logger: logger)
    }

    public init(model: ModelFile, path: String, logger: Logger = Logger(label: "moodwire.classifier")) throws(ModelFileError) {
        var compiler = GraphCompiler(model: model, path: path)
        try compiler.compile()
        guard let input = compiler.inputShape, let normalization = compiler.normalization else {
            throw .invalidGraph(path: path, reason: "the graph has no input node")
        }
        let outputs = model.graph.outputs.compactMap { compiler.values[$0] }
        guard !outputs.isEmpty, outputs.count == model.graph.outputs.count else {
            throw .invalidGraph(path: path, reason: "the graph must name one or more known output nodes")
        }
        guard Set(outputs.map(\.storage)).count == outputs.count, !outputs.contains(where: { $0.storage == 0 }) else {
            throw .invalidGraph(path: path, reason: "each output must be a distinct computed node")
        }
        self.inputShape = input
        self.outputShapes = outputs.map(\.shape)
        self.normalization = normalization
        self.labels = model.labels
        self.steps = compiler.finishedSteps()
        self.valueShapes = compiler.storageShapes
        self.outputValues = outputs.map(\.storage)
        // A classifier labels each output value; a detector's single label names what it finds.
        guard outputs.count > 1 || labels.count == outputShapes[0].count else {
            throw .invalidGraph(path: path, reason: "\(labels.count) labels for \(outputShapes[0].count) outputs")
        }
        logger.debug(
            "compiled model",
            metadata: [
                "model": "\(path)", "input": "\(input)", "outputs": "\(outputShapes.map(\.description).joined(separator: ", "))",
                "layers": "\(steps.count) of \(model.graph.nodes.count) nodes"
            ])
    }
}

/// Turns graph nodes into layers, validating shapes and weights, and fusing as it goes.
struct GraphCompiler {
    let model: ModelFile
    let path: String
    var inputShape: FeatureShape?
    var normalization: PixelNormalization?
    /// Graph node name -> the storage holding its value and the shape it is read with.
    var values: [String: (storage: Int, shape: FeatureShape)] = [:]
    var storageShapes: [FeatureShape] = []
    var pending: [PendingStep] = []
    /// How many nodes (or graph outputs) read each node.
    var readers: [String: Int] = [:]
    /// Graph node name -> the pending step whose output is exactly that node's value.
    var producers: [String: Int] = [:]

    init(model: ModelFile, path: String) {
        self.model = model
        self.path = path
        for node in model.graph.nodes {
            for input in node.inputs { readers[input, default: 0] += 1 }
        }
        for output in model.graph.outputs { readers[output, default: 0] += 1 }
    }

    mutating func compile() throws(ModelFileError) {
        for node in model.graph.nodes {
            try add(node)
        }
    }

    /// The steps to run. Fusion is over by now, so a 3x3 stride-1 convolution can take its
    /// Winograd form, whose transformed weights include the folded normalisation.
    func finishedSteps() -> [Network.Step] {
        pending.map { step in
            var layer = step.layer.asLayer
            if case let .conv(conv) = step.layer, let winograd = WinogradConv2D(conv) { layer = winograd }
            return Network.Step(layer: layer, inputs: step.inputs, output: step.output)
        }
    }

    private mutating func add(_ node: LayerSpec) throws(ModelFileError) {
        if values[node.name] != nil { throw invalid(node, "the name is used twice") }
        if node.op == .input {
            guard let shape = node.shape, shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
                throw invalid(node, "an input needs a positive [height, width, channels] shape")
            }
            guard inputShape == nil else { throw invalid(node, "only one input is supported") }
            let feature = FeatureShape(height: shape[0], width: shape[1], channels: shape[2])
            inputShape = feature
            normalization = node.normalization ?? PixelNormalization(divide: 255, subtract: 0, multiply: 1)
            storageShapes.append(feature)
            values[node.name] = (storage: 0, shape: feature)
            return
        }
        var sources: [(storage: Int, shape: FeatureShape)] = []
        for name in node.inputs {
            guard let value = values[name] else { throw invalid(node, "input '\(name)' is not defined before it") }
            sources.append(value)
        }
        guard let first = sources.first else { throw invalid(node, "the node has no input") }
        if node.op == .add ? sources.count < 2 : sources.count != 1 {
            throw invalid(node, "\(sources.count) inputs; \(node.op.rawValue) takes \(node.op == .add ? "two or more" : "one")")
        }
        let shape = first.shape

        switch node.op {
        case .input:
            return
        case .dropout:
            values[node.name] = first
        case .flatten:
            values[node.name] = (storage: first.storage, shape: FeatureShape(height: 1, width: 1, channels: shape.count))
        case .batchNorm:
            let norm = BatchNorm(
                name: node.name, shape: shape,
                gamma: node.scale == false ? nil : try weight(node, "gamma", [shape.channels]),
                beta: node.center == false ? nil : try weight(node, "beta", [shape.channels]),
                mean: try weight(node, "moving_mean", [shape.channels]),
                variance: try weight(node, "moving_variance", [shape.channels]),
                epsilon: node.epsilon ?? 1e-3)
            if let index = fusionTarget(for: node), pending[index].layer.fold(norm) {
                values[node.name] = first
                producers[node.name] = index
            } else {
                append(.other(norm), node: node, inputs: [first.storage], shape: shape)
            }
        case .activation:
            let function = node.activation ?? .linear
            if function == .linear {
                values[node.name] = first
            } else if function == .relu, let index = fusionTarget(for: node), pending[index].layer.fuseRelu() {
                values[node.name] = first
                producers[node.name] = index
            } else {
                append(
                    .other(ActivationLayer(name: node.name, function: function, outputShape: shape)),
                    node: node, inputs: [first.storage], shape: shape)
            }
        case .conv2d, .separableConv2d, .depthwiseConv2d, .dense:
            try addWeighted(node, input: first)
        case .maxPool2d, .averagePool2d:
            let pool = try pair(node, node.pool, "pool")
            let stride = node.strides == nil ? pool : try pair(node, node.strides, "strides")
            let layer = Pooling2D(
                name: node.name, kind: node.op == .maxPool2d ? .max : .average, input: shape,
                pool: (pool[0], pool[1]), stride: (stride[0], stride[1]),
                padding: node.padding ?? .valid)
            try checkWindow(node, layer.outputShape)
            append(.other(layer), node: node, inputs: [first.storage], shape: layer.outputShape)
        case .add:
            guard sources.allSatisfy({ $0.shape == shape }) else {
                throw invalid(node, "added maps differ in shape: \(sources.map { "\($0.shape)" }.joined(separator: ", "))")
            }
            append(
                .add(Add(name: node.name, outputShape: shape, inputCount: sources.count)),
                node: node, inputs: sources.map(\.storage), shape: shape)
        case .globalAveragePool2d:
            let layer = GlobalAveragePool2D(name: node.name, inputShape: shape)
            append(.other(layer), node: node, inputs: [first.storage], shape: layer.outputShape)
        case .pad:
            guard let paddings = node.paddings, paddings.count == 3, paddings.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0 >= 0 } })
            else { throw invalid(node, "paddings must be [[top, bottom], [left, right], [front, back]] of non-negative integers") }
            let layer = ZeroPad(name: node.name, input: shape, paddings: paddings)
            append(.other(layer), node: node, inputs: [first.storage], shape: layer.outputShape)
        case .resizeBilinear:
            let size = try pair(node, node.size, "size")
            let layer = ResizeBilinear(
                name: node.name, input: shape, height: size[0], width: size[1], halfPixelCenters: node.halfPixelCenters ?? false)
            append(.other(layer), node: node, inputs: [first.storage], shape: layer.outputShape)
        }
    }

    private mutating func addWeighted(_ node: LayerSpec, input: (storage: Int, shape: FeatureShape)) throws(ModelFileError) {
        let shape = input.shape
        let activation = node.activation ?? .linear
        let fused: FusedActivation = activation == .relu ? .relu : .none
        let useBias = node.useBias ?? true
        let layer: PendingLayer
        switch node.op {
        case .dense:
            guard let units = node.units, units > 0 else { throw invalid(node, "a dense layer needs units") }
            layer = .dense(
                Dense(
                    name: node.name, input: shape, weights: try weight(node, "kernel", [shape.channels, units]),
                    bias: useBias ? try weight(node, "bias", [units]) : nil, units: units, activation: fused))
        case .conv2d:
            guard let filters = node.filters, filters > 0 else { throw invalid(node, "a convolution needs filters") }
            let kernel = try pair(node, node.kernel, "kernel"), stride = try pair(node, node.strides ?? [1, 1], "strides")
            let conv = Conv2D(
                name: node.name, input: shape,
                weights: try weight(node, "kernel", [kernel[0], kernel[1], shape.channels, filters]),
                bias: useBias ? try weight(node, "bias", [filters]) : nil, outputChannels: filters,
                kernel: (kernel[0], kernel[1]), stride: (stride[0], stride[1]),
                padding: node.padding ?? .valid, activation: fused)
            try checkWindow(node, conv.outputShape)
            layer = .conv(conv)
        case .separableConv2d:
            guard let filters = node.filters, filters > 0 else { throw invalid(node, "a convolution needs filters") }
            let kernel = try pair(node, node.kernel, "kernel"), stride = try pair(node, node.strides ?? [1, 1], "strides")
            let multiplier = node.depthMultiplier ?? 1
            let conv = SeparableConv2D(
                name: node.name, input: shape,
                depthwiseWeights: try weight(node, "depthwise_kernel", [kernel[0], kernel[1], shape.channels, multiplier]),
                pointwiseWeights: try weight(node, "pointwise_kernel", [1, 1, shape.channels * multiplier, filters]),
                bias: useBias ? try weight(node, "bias", [filters]) : nil, multiplier: multiplier,
                outputChannels: filters, kernel: (kernel[0], kernel[1]), stride: (stride[0], stride[1]),
                padding: node.padding ?? .valid, activation: fused)
            try checkWindow(node, conv.outputShape)
            layer = .separable(conv)
        default:
            let kernel = try pair(node, node.kernel, "kernel"), stride = try pair(node, node.strides ?? [1, 1], "strides")
            let multiplier = node.depthMultiplier ?? 1
            let conv = DepthwiseConv2D(
                name: node.name, input: shape,
                weights: try weight(node, "depthwise_kernel", [kernel[0], kernel[1], shape.channels, multiplier]),
                bias: useBias ? try weight(node, "bias", [shape.channels * multiplier]) : nil, multiplier: multiplier,
                kernel: (kernel[0], kernel[1]), stride: (stride[0], stride[1]), padding: node.padding ?? .valid,
                activation: fused)
            try checkWindow(node, conv.outputShape)
            layer = .depthwise(conv)
        }
        append(layer, node: node, inputs: [input.storage], shape: layer.asLayer.outputShape)
        if activation == .softmax {
            // Softmax is not an epilogue: it needs the whole channel vector, so it runs as its own step.
            let out = values[node.name]!
            let softmax = ActivationLayer(name: node.name + "/softmax", function: .softmax, outputShape: out.shape)
            pending.append(PendingStep(layer: .other(softmax), inputs: [out.storage], output: storageShapes.count))
            producers[node.name] = pending.count - 1
            values[node.name] = (storage: storageShapes.count, shape: out.shape)
            storageShapes.append(out.shape)
        }
    }

    private mutating func append(_ layer: PendingLayer, node: LayerSpec, inputs: [Int], shape: FeatureShape) {
        pending.append(PendingStep(layer: layer, inputs: inputs, output: storageShapes.count))
        producers[node.name] = pending.count - 1
        values[node.name] = (storage: storageShapes.count, shape: shape)
        storageShapes.append(shape)
    }

    /// The step whose output `node` alone reads, if the node can be merged into it.
    private func fusionTarget(for node: LayerSpec) -> Int? {
        guard node.inputs.count == 1, readers[node.inputs[0]] == 1 else { return nil }
        return producers[node.inputs[0]]
    }

    private func weight(_ node: LayerSpec, _ role: String, _ shape: [Int]) throws(ModelFileError) -> [Float] {
        let name = node.name + "/" + role
        guard let tensor = model.tensors[name] else {
            throw .invalidTensor(path: path, name: name, reason: "missing (layer \(node.name) needs it)")
        }
        guard tensor.shape == shape else {
            throw .invalidTensor(path: path, name: name, reason: "shape \(tensor.shape), expected \(shape) for layer \(node.name)")
        }
        return tensor.values
    }

    private func pair(_ node: LayerSpec, _ values: [Int]?, _ what: String) throws(ModelFileError) -> [Int] {
        guard let values, values.count == 2, values.allSatisfy({ $0 > 0 }) else {
            throw invalid(node, "\(what) must be two positive integers")
        }
        return values
    }

    private func checkWindow(_ node: LayerSpec, _ shape: FeatureShape) throws(ModelFileError) {
        guard shape.height > 0, shape.width > 0 else {
            throw invalid(node, "the window does not fit its input (output would be \(shape))")
        }
    }

    private func invalid(_ node: LayerSpec, _ reason: String) -> ModelFileError {
        .invalidGraph(path: path, reason: "node '\(node.name)': \(reason)")
    }
}

/// A step while the compiler may still merge following nodes into it.
struct PendingStep {
    var layer: PendingLayer
    let inputs: [Int]
    let output: Int
}

enum PendingLayer {
    case conv(Conv2D), separable(SeparableConv2D), depthwise(DepthwiseConv2D), dense(Dense), add(Add)
    case other(any Layer)

    var asLayer: any Layer {
        switch self {
        case let .conv(layer): layer
        case let .separable(layer): layer
        case let .depthwise(layer): layer
        case let .dense(layer): layer
        case let .add(layer): layer
        case let .other(layer): layer
        }
    }

    /// Folds a BatchNorm into a linear layer with no activation yet; false if it cannot.
    mutating func fold(_ norm: BatchNorm) -> Bool {
        switch self {
        case var .conv(layer) where layer.activation == .none:
            layer.fold(norm)
            self = .conv(layer)
        case var .separable(layer) where layer.activation == .none:
            layer.fold(norm)
            self = .separable(layer)
        case var .depthwise(layer) where layer.activation == .none:
            layer.fold(norm)
            self = .depthwise(layer)
        case var .dense(layer) where layer.activation == .none:
            layer.fold(norm)
            self = .dense(layer)
        default: return false
        }
        return true
    }

    /// Moves a ReLU into the layer's epilogue; false if it cannot.
    mutating func fuseRelu() -> Bool {
        switch self {
        case var .conv(layer) where layer.activation == .none:
            layer.activation = .relu
            self = .conv(layer)
        case var .separable(layer) where layer.activation == .none:
            layer.activation = .relu
            self = .separable(layer)
        case var .depthwise(layer) where layer.activation == .none:
            layer.activation = .relu
            self = .depthwise(layer)
        case var .dense(layer) where layer.activation == .none:
            layer.activation = .relu
            self = .dense(layer)
        case var .add(layer) where layer.activation == .none:
            layer.activation = .relu
            self = .add(layer)
        default: return false
        }
        return true
    }
}
