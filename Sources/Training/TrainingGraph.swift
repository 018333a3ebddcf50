import ModelFormat
import NeuralNetwork
import Timing

/// A network for training built from the architecture as data: the `LayerSpec` nodes a model
/// file carries (in topological order), with freshly initialised weights from one seed. Runs
/// forward and backward through the DAG; a value read by several nodes (a residual branch)
/// receives the sum of their gradients.
///
/// Flatten and linear activations are views of their input (NHWC flattening does not move
/// values). A softmax must be the graph's output, as a separate activation or a Dense layer's
/// activation: it is left to the loss (`SoftmaxCrossEntropy`), so `forward` returns the logits.
/// The ReLU of a convolution or Dense node with `activation: relu` is its own layer after it.
public final class TrainingGraph {
    public struct Step {
        public let layer: any TrainableLayer
        /// Values read, by index; value 0 is the network input.
        public let inputs: [Int]
        public let output: Int
    }

    public let inputShape: FeatureShape
    /// One image's logits (or output map).
    public let outputShape: FeatureShape
    public let steps: [Step]
    /// Every trainable parameter, step by step.
    public let parameters: [Parameter]
    /// The specs the graph was built from, as the model file carries them.
    public let modelGraph: ModelGraph
    let valueCount: Int
    let outputValue: Int
    private var batch = 0

    public convenience init(_ graph: ModelGraph, seed: UInt64) throws(TrainingGraphError) {
        try self.init(nodes: graph.nodes, output: graph.outputs.count == 1 ? graph.outputs[0] : "", seed: seed)
    }

    public init(nodes: [LayerSpec], output: String, seed: UInt64) throws(TrainingGraphError) {
        var builder = Builder(random: SeededRandom(seed: seed))
        for node in nodes { try builder.add(node) }
        guard let input = builder.inputShape else { throw .invalid(node: "", reason: "the graph has no input node") }
        guard let result = builder.values[output] else { throw .invalid(node: output, reason: "the output is not a node of the graph") }
        if let softmax = builder.softmax, softmax != output {
            throw .invalid(node: softmax, reason: "a softmax is supported only as the graph's output")
        }
        inputShape = input
        outputShape = result.shape
        steps = builder.steps
        parameters = builder.steps.flatMap(\.layer.parameters)
        valueCount = builder.valueCount
        outputValue = result.index
        modelGraph = ModelGraph(nodes: nodes, outputs: [output])
    }

    /// The weights as the model file stores them (Keras layout and names): every parameter, and
    /// each batch normalisation's moving statistics. With `modelGraph` they make a `ModelFile`
    /// the inference runtime loads, which folds the normalisation into the convolutions.
    public var tensors: [String: WeightTensor] {
        var tensors: [String: WeightTensor] = [:]
        for parameter in parameters { tensors[parameter.name] = WeightTensor(shape: parameter.shape, values: parameter.value) }
        for case let norm as BatchNormalization in steps.map(\.layer) {
            let channels = [norm.inputShape.channels]
            tensors[norm.name + "/moving_mean"] = WeightTensor(shape: channels, values: norm.movingMean)
            tensors[norm.name + "/moving_variance"] = WeightTensor(shape: channels, values: norm.movingVariance)
        }
        return tensors
    }

    /// The weights and graph as a model file the inference runtime loads.
    public func modelFile(labels: [String], source: String, extraMetadata: [String: String] = [:]) -> ModelFile {
        ModelFile(graph: modelGraph, labels: labels, source: source, tensors: tensors, extraMetadata: extraMetadata)
    }

    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// The batch normalisations, whose moving statistics are state beside the parameters.
    public var normalizations: [BatchNormalization] {
        steps.compactMap { $0.layer as? BatchNormalization }
    }

    /// Stops the convolutions that read the network input from computing its gradient, which
    /// training never uses (`backward` then returns zeros for the input).
    public func skipInputGradient() {
        for step in steps where step.inputs == [0] { (step.layer as? Conv2D)?.computesInputGradient = false }
    }

    /// Gives every Dropout layer its own generator drawn from `random`, in graph order.
    public func reseedDropout(_ random: SeededRandom) {
        var random = random
        for case let dropout as Dropout in steps.map(\.layer) { dropout.reseed(random.split()) }
    }

    /// Sets every parameter and moving statistic from `tensors` (as `tensors` names and shapes
    /// them, e.g. from a model file). Each must be present with the same shape; other tensors
    /// are ignored.
    public func load(_ tensors: [String: WeightTensor]) throws(TrainingGraphError) {
        func values(_ name: String, _ shape: [Int]) throws(TrainingGraphError) -> [Float] {
            guard let tensor = tensors[name] else { throw .missingWeights(name) }
            guard tensor.shape == shape else { throw .weightShape(name, expected: shape, found: tensor.shape) }
            return tensor.values
        }
        for parameter in parameters { parameter.value = try values(parameter.name, parameter.shape) }
        for norm in normalizations {
            let channels = [norm.inputShape.channels]
            norm.movingMean = try values(norm.name + "/moving_mean", channels)
            norm.movingVariance = try values(norm.name + "/moving_variance", channels)
        }
    }

    /// The output (logits) for `batch` images.
    public func forward(_ input: [Float], batch: Int, training: Bool) -> [Float] {
        runForward(input, batch: batch, training: training, timed: nil)
    }

    /// dL/d(input) given dL/d(output) of the last `forward`; accumulates every parameter's gradient.
    @discardableResult
    public func backward(_ outputGradient: [Float]) -> [Float] {
        runBackward(outputGradient, timed: nil)
    }

    /// One training-mode forward and backward pass (`outputGradient` as dL/d(output)) that times
    /// every layer: each step's name with its forward and backward seconds, in graph order.
    public func profile(_ input: [Float], batch: Int, outputGradient: [Float]) -> [(name: String, forward: Double, backward: Double)] {
        var forward = [Double](repeating: 0, count: steps.count), backward = forward
        _ = runForward(input, batch: batch, training: true) { forward[$0] = $1 }
        runBackward(outputGradient) { backward[$0] = $1 }
        return steps.indices.map { (steps[$0].layer.name, forward[$0], backward[$0]) }
    }

    /// The forward pass; `timed(step, seconds)` after each step when given.
    private func runForward(_ input: [Float], batch: Int, training: Bool, timed: ((Int, Double) -> Void)?) -> [Float] {
        precondition(input.count == batch * inputShape.count, "input size: \(input.count) for \(batch) x \(inputShape)")
        self.batch = batch
        var values = [[Float]](repeating: [], count: valueCount)
        values[0] = input
        for (index, step) in steps.enumerated() {
            let start = timed == nil ? nil : ContinuousClock.now
            values[step.output] = step.layer.forward(inputs: step.inputs.map { values[$0] }, batch: batch, training: training)
            if let start { timed?(index, (ContinuousClock.now - start).inSeconds) }
        }
        return values[outputValue]
    }

    /// The backward pass; `timed(step, seconds)` after each step when given.
    @discardableResult
    private func runBackward(_ outputGradient: [Float], timed: ((Int, Double) -> Void)?) -> [Float] {
        var gradients = [[Float]?](repeating: nil, count: valueCount)
        gradients[outputValue] = outputGradient
        for (index, step) in steps.enumerated().reversed() {
            guard let gradient = gradients[step.output] else { continue }
            gradients[step.output] = nil
            let start = timed == nil ? nil : ContinuousClock.now
            let inputGradients = step.layer.backward(outputGradient: gradient)
            if let start { timed?(index, (ContinuousClock.now - start).inSeconds) }
            for (value, inputGradient) in zip(step.inputs, inputGradients) {
                if var sum = gradients[value] {
                    for i in sum.indices { sum[i] += inputGradient[i] }
                    gradients[value] = sum
                } else {
                    gradients[value] = inputGradient
                }
            }
        }
        return gradients[0] ?? [Float](repeating: 0, count: batch * inputShape.count)
    }

    /// Reference (test oracle): every layer's reference kernel in Double, with the parameters
    /// given in the order of `parameters`.
    public func referenceForward(_ input: [Double], parameters values: [[Double]], batch: Int, training: Bool) -> [Double] {
        var computed = [[Double]](repeating: [], count: valueCount)
        computed[0] = input
        var next = 0
        for step in steps {
            let count = step.layer.parameters.count
            computed[step.output] = step.layer.referenceForward(
                inputs: step.inputs.map { computed[$0] }, parameters: Array(values[next..<(next + count)]),
                batch: batch, training: training)
            next += count
        }
        return computed[outputValue]
    }
}

public enum TrainingGraphError: Error, Equatable, CustomStringConvertible {
    case invalid(node: String, reason: String)
    case missingWeights(String)
    case weightShape(String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .invalid(node, reason): "layer '\(node)': \(reason)"
        case let .missingWeights(name): "no weights for \(name)"
        case let .weightShape(name, expected, found): "\(name) has shape \(found); the network needs \(expected)"
        }
    }
}

/// Turns nodes into layers, checking shapes as it goes.
private struct Builder {
    var random: SeededRandom
    var inputShape: FeatureShape?
    var values: [String: (index: Int, shape: FeatureShape)] = [:]
    var steps: [TrainingGraph.Step] = []
    var valueCount = 1
    /// The node whose softmax was left to the loss.
    var softmax: String?

    mutating func add(_ node: LayerSpec) throws(TrainingGraphError) {
        if values[node.name] != nil { throw invalid(node, "the name is used twice") }
        if node.op == .input {
            guard inputShape == nil else { throw invalid(node, "only one input is supported") }
            guard let shape = node.shape, shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
                throw invalid(node, "an input needs a positive [height, width, channels] shape")
            }
            inputShape = FeatureShape(height: shape[0], width: shape[1], channels: shape[2])
            values[node.name] = (0, inputShape!)
            return
        }
        var sources: [(index: Int, shape: FeatureShape)] = []
        for name in node.inputs {
            guard let value = values[name] else { throw invalid(node, "input '\(name)' is not defined before it") }
            sources.append(value)
        }
        if let softmax, node.inputs.contains(softmax) { throw invalid(node, "reads a softmax; a softmax must be the graph's output") }
        guard let first = sources.first else { throw invalid(node, "the node has no input") }
        if node.op == .add ? sources.count < 2 : sources.count != 1 {
            throw invalid(node, "\(sources.count) inputs; \(node.op.rawValue) takes \(node.op == .add ? "two or more" : "one")")
        }
        let shape = first.shape, useBias = node.useBias ?? true
        switch node.op {
        case .input:
            return
        case .flatten:
            values[node.name] = (first.index, FeatureShape(height: 1, width: 1, channels: shape.count))
        case .activation:
            try activate(node, node.activation ?? .linear, value: first, as: node.name)
        case .dropout:
            let layer = Dropout(name: node.name, shape: shape, rate: node.rate ?? 0.5, random: &random)
            append(layer, node, sources)
        case .batchNorm:
            append(
                BatchNormalization(
                    name: node.name, shape: shape, epsilon: node.epsilon ?? 1e-3, scale: node.scale ?? true,
                    center: node.center ?? true), node, sources)
        case .conv2d:
            let (kernel, stride) = try convolutionWindow(node, shape)
            let layer = Conv2D(
                name: node.name, input: shape, filters: try positive(node, node.filters, "filters"), kernel: (kernel[0], kernel[1]),
                stride: (stride[0], stride[1]), padding: node.padding ?? .valid, useBias: useBias, random: &random)
            try addWeighted(layer, node, sources)
        case .depthwiseConv2d:
            let (kernel, stride) = try convolutionWindow(node, shape)
            let layer = DepthwiseConv2D(
                name: node.name, input: shape, multiplier: node.depthMultiplier ?? 1, kernel: (kernel[0], kernel[1]),
                stride: (stride[0], stride[1]), padding: node.padding ?? .valid, useBias: useBias, random: &random)
            try addWeighted(layer, node, sources)
        case .separableConv2d:
            let (kernel, stride) = try convolutionWindow(node, shape)
            let layer = SeparableConv2D(
                name: node.name, input: shape, filters: try positive(node, node.filters, "filters"),
                multiplier: node.depthMultiplier ?? 1, kernel: (kernel[0], kernel[1]), stride: (stride[0], stride[1]),
                padding: node.padding ?? .valid, useBias: useBias, random: &random)
            try addWeighted(layer, node, sources)
        case .dense:
            let layer = Dense(name: node.name, input: shape, units: try positive(node, node.units, "units"), useBias: useBias, random: &random)
            try addWeighted(layer, node, sources)
        case .maxPool2d, .averagePool2d:
            let pool = try pair(node, node.pool, "pool")
            let stride = node.strides == nil ? pool : try pair(node, node.strides, "strides")
            try fits(node, shape, pool, stride)
            append(
                Pooling2D(
                    name: node.name, kind: node.op == .maxPool2d ? .max : .average, input: shape, pool: (pool[0], pool[1]),
                    stride: (stride[0], stride[1]), padding: node.padding ?? .valid), node, sources)
        case .globalAveragePool2d:
            append(GlobalAveragePool2D(name: node.name, input: shape), node, sources)
        case .add:
            guard sources.allSatisfy({ $0.shape == shape }) else {
                throw invalid(node, "added maps differ in shape: \(sources.map { "\($0.shape)" }.joined(separator: ", "))")
            }
            append(Add(name: node.name, shape: shape, inputCount: sources.count), node, sources)
        case .pad, .resizeBilinear:
            throw invalid(node, "\(node.op.rawValue) runs in inference only (face detection models); training does not support it")
        }
    }

    /// Adds a convolution or Dense step and its activation.
    private mutating func addWeighted(
        _ layer: any TrainableLayer, _ node: LayerSpec, _ sources: [(index: Int, shape: FeatureShape)]
    ) throws(TrainingGraphError) {
        let value = append(layer, node, sources, name: node.name + "/linear")
        try activate(node, node.activation ?? .linear, value: value, as: node.name)
    }

    /// Adds a step reading `sources`; its value is known as `name` (the node's by default).
    @discardableResult
    private mutating func append(
        _ layer: any TrainableLayer, _ node: LayerSpec, _ sources: [(index: Int, shape: FeatureShape)], name: String? = nil
    ) -> (index: Int, shape: FeatureShape) {
        let value = (index: valueCount, shape: layer.outputShape)
        steps.append(TrainingGraph.Step(layer: layer, inputs: sources.map(\.index), output: valueCount))
        valueCount += 1
        values[name ?? node.name] = value
        return value
    }

    /// Makes `name` the value after `function`: a view for linear, a ReLU step, or (for the
    /// graph's output) the logits, with the softmax left to the loss.
    private mutating func activate(
        _ node: LayerSpec, _ function: Activation, value: (index: Int, shape: FeatureShape), as name: String
    ) throws(TrainingGraphError) {
        switch function {
        case .linear:
            values[name] = value
        case .softmax:
            softmax = name
            values[name] = value
        case .relu:
            let layer = ReLU(name: node.op == .activation ? node.name : node.name + "/relu", shape: value.shape)
            append(layer, node, [value], name: name)
        }
    }

    private func pair(_ node: LayerSpec, _ values: [Int]?, _ what: String) throws(TrainingGraphError) -> [Int] {
        guard let values, values.count == 2, values.allSatisfy({ $0 > 0 }) else {
            throw invalid(node, "\(what) must be two positive integers")
        }
        return values
    }

    private func positive(_ node: LayerSpec, _ value: Int?, _ what: String) throws(TrainingGraphError) -> Int {
        guard let value, value > 0 else { throw invalid(node, "\(what) must be a positive integer") }
        return value
    }

    /// A convolution's kernel and strides, checked to fit the input.
    private func convolutionWindow(_ node: LayerSpec, _ shape: FeatureShape) throws(TrainingGraphError) -> (kernel: [Int], stride: [Int]) {
        let kernel = try pair(node, node.kernel, "kernel"), stride = try pair(node, node.strides ?? [1, 1], "strides")
        try fits(node, shape, kernel, stride)
        return (kernel, stride)
    }

    /// Refuses a window that leaves no output.
    private func fits(_ node: LayerSpec, _ shape: FeatureShape, _ size: [Int], _ stride: [Int]) throws(TrainingGraphError) {
        let window = SlidingWindow(input: shape, size: (size[0], size[1]), stride: (stride[0], stride[1]), padding: node.padding ?? .valid)
        guard window.outputHeight > 0, window.outputWidth > 0 else {
            throw invalid(node, "a \(size[0])x\(size[1]) window leaves no output of a \(shape) input")
        }
    }

    private func invalid(_ node: LayerSpec, _ reason: String) -> TrainingGraphError {
        .invalid(node: node.name, reason: reason)
    }
}
