import Foundation
import ModelFormat
import NeuralNetwork
import Testing
import Training

@Suite("Training graph from layer specs")
struct GraphTests {
    static func node(_ name: String, _ op: LayerSpec.Operation, _ inputs: [String], _ configure: (inout LayerSpec) -> Void = { _ in }) -> LayerSpec {
        var spec = LayerSpec(name: name, op: op, inputs: inputs)
        configure(&spec)
        return spec
    }

    /// A small net with every kind of node: convolution, BN, ReLU, a separable residual branch,
    /// pooling, depthwise, global pooling, dropout and a softmax Dense head.
    static let residualNet: [LayerSpec] = [
        node("image", .input, []) { $0.shape = [6, 6, 2] },
        node("conv", .conv2d, ["image"]) {
            $0.filters = 4
            $0.kernel = [3, 3]
            $0.padding = .same
            $0.useBias = false
        },
        node("conv_bn", .batchNorm, ["conv"]),
        node("conv_relu", .activation, ["conv_bn"]) { $0.activation = .relu },
        node("sep", .separableConv2d, ["conv_relu"]) {
            $0.filters = 4
            $0.kernel = [3, 3]
            $0.padding = .same
        },
        node("sep_bn", .batchNorm, ["sep"]),
        node("residual", .add, ["sep_bn", "conv_relu"]),
        node("pool", .maxPool2d, ["residual"]) {
            $0.pool = [3, 3]
            $0.strides = [2, 2]
            $0.padding = .same
        },
        node("dw", .depthwiseConv2d, ["pool"]) {
            $0.kernel = [3, 3]
            $0.padding = .same
            $0.depthMultiplier = 2
            $0.activation = .relu
        },
        node("avg", .averagePool2d, ["dw"]) { $0.pool = [2, 2] },
        node("gap", .globalAveragePool2d, ["avg"]),
        node("drop", .dropout, ["gap"]) { $0.rate = 0.25 },
        node("flat", .flatten, ["drop"]),
        node("logits", .dense, ["flat"]) {
            $0.units = 3
            $0.activation = .softmax
        }
    ]

    /// The residual net with its biases, γ and β moved off their initial 0 and 1, so their
    /// gradients and the folding in the runtime are exercised.
    static func perturbedNet(seed: UInt64, random: inout SeededRandom) throws -> TrainingGraph {
        let graph = try TrainingGraph(nodes: residualNet, output: "logits", seed: seed)
        for parameter in graph.parameters where !parameter.name.hasSuffix("kernel") {
            parameter.value = parameter.value.map { $0 + (random.uniform() - 0.5) * 0.4 }
        }
        return graph
    }

    @Test("Layers, shapes and parameters follow the specs; the softmax is left to the loss")
    func structure() throws {
        let graph = try TrainingGraph(nodes: Self.residualNet, output: "logits", seed: 1)
        #expect(graph.inputShape == FeatureShape(height: 6, width: 6, channels: 2))
        #expect(graph.outputShape == FeatureShape(height: 1, width: 1, channels: 3))
        #expect(
            graph.parameters.map(\.name) == [
                "conv/kernel", "conv_bn/gamma", "conv_bn/beta", "sep/depthwise_kernel", "sep/pointwise_kernel", "sep/bias",
                "sep_bn/gamma", "sep_bn/beta", "dw/depthwise_kernel", "dw/bias", "logits/kernel", "logits/bias"
            ])
        #expect(graph.steps.map(\.layer.name).contains("dw/relu"))
    }

    @Test("Input and parameter gradients through the whole DAG match finite differences (training mode)")
    func gradients() throws {
        var random = SeededRandom(seed: 3)
        let graph = try Self.perturbedNet(seed: 2, random: &random)
        let batch = 3
        let input = GradientCheck.randomFloats(batch * graph.inputShape.count, random: &random)
        let output = graph.forward(input, batch: batch, training: true)
        let input64 = input.map(Double.init), parameters64 = graph.parameters.map { $0.value.map(Double.init) }
        let reference = graph.referenceForward(input64, parameters: parameters64, batch: batch, training: true)
        #expect(GradientCheck.relativeError(output, reference) < 1e-5)

        // The loss's gradient as the upstream: the graph with its head, as training runs it.
        let labels = [0, 2, 1]
        let loss = SoftmaxCrossEntropy(labelSmoothing: 0.1)
        let upstream = loss.evaluate(logits: output, labels: labels, classes: 3).gradient
        graph.zeroGradients()
        let inputGradient = graph.backward(upstream)
        func lossOf(_ x: [Double], _ p: [[Double]]) -> [Double] {
            [loss.referenceLoss(logits: graph.referenceForward(x, parameters: p, batch: batch, training: true), labels: labels, classes: 3)]
        }
        let indices = GradientCheck.sample(input.count, limit: 24)
        let numeric = GradientCheck.numericGradient(at: input64, upstream: [1], indices: indices) { lossOf($0, parameters64) }
        var errors = ["input": GradientCheck.relativeError(GradientCheck.pick(inputGradient, indices), GradientCheck.pick(numeric, indices))]
        for (j, parameter) in graph.parameters.enumerated() {
            let indices = GradientCheck.sample(parameter.value.count, limit: 12)
            let numeric = GradientCheck.numericGradient(at: parameters64[j], upstream: [1], indices: indices) { probe in
                var probed = parameters64
                probed[j] = probe
                return lossOf(input64, probed)
            }
            errors[parameter.name] = GradientCheck.relativeError(
                GradientCheck.pick(parameter.gradient, indices), GradientCheck.pick(numeric, indices))
        }
        #expect(GradientCheck.failures(errors).isEmpty, "\(errors)")
    }

    @Test("Exported to a model file, the inference runtime (BN folded, ReLU fused) gives the softmax of the inference-mode logits")
    func runtimeParity() throws {
        var random = SeededRandom(seed: 7)
        let graph = try Self.perturbedNet(seed: 6, random: &random)
        let batch = 4
        // A few training steps' forward passes move the batch normalisations' statistics away from 0 and 1.
        for _ in 0..<20 {
            _ = graph.forward(GradientCheck.randomFloats(batch * graph.inputShape.count, random: &random), batch: batch, training: true)
        }
        let model = ModelFile(graph: graph.modelGraph, labels: ["a", "b", "c"], source: "training test", tensors: graph.tensors)
        let session = InferenceSession(network: try Network(model: model, path: "training test"), maxBatch: batch)
        let input = GradientCheck.randomFloats(batch * graph.inputShape.count, random: &random)
        session.input.update(from: input, count: input.count)
        session.run(batch: batch)
        let runtime = Array(UnsafeBufferPointer(start: session.output, count: batch * 3))

        let logits = graph.forward(input, batch: batch, training: false)
        let expected = (0..<batch).flatMap { n in
            let row = logits[(n * 3)..<(n * 3 + 3)].map(Double.init)
            let exps = row.map { Foundation.exp($0 - row.max()!) }
            return exps.map { Float($0 / exps.reduce(0, +)) }
        }
        #expect(zip(runtime, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(runtime) vs \(expected)")
    }

    @Test("Gradients accumulate over backward passes until zeroed")
    func accumulation() throws {
        let graph = try TrainingGraph(nodes: Self.residualNet, output: "logits", seed: 4)
        var random = SeededRandom(seed: 5)
        let input = GradientCheck.randomFloats(2 * graph.inputShape.count, random: &random)
        let upstream = GradientCheck.randomFloats(6, random: &random)
        _ = graph.forward(input, batch: 2, training: false)
        graph.zeroGradients()
        graph.backward(upstream)
        let once = graph.parameters.map(\.gradient)
        graph.backward(upstream)
        for (parameter, single) in zip(graph.parameters, once) {
            #expect(zip(parameter.gradient, single).allSatisfy { abs($0 - 2 * $1) <= 1e-6 * max(1, abs($1)) }, "\(parameter.name)")
        }
        graph.zeroGradients()
        #expect(graph.parameters.allSatisfy { $0.gradient.allSatisfy { $0 == 0 } })
    }

    @Test("Bad graphs are refused with the node named")
    func refusals() {
        let input = Self.node("image", .input, []) { $0.shape = [4, 4, 1] }
        let softmax = Self.node("probabilities", .activation, ["image"]) { $0.activation = .softmax }
        let after = Self.node("after", .globalAveragePool2d, ["probabilities"])
        #expect(throws: TrainingGraphError.invalid(node: "after", reason: "reads a softmax; a softmax must be the graph's output")) {
            try TrainingGraph(nodes: [input, softmax, after], output: "after", seed: 1)
        }
        #expect(throws: TrainingGraphError.self) {
            try TrainingGraph(nodes: [input, Self.node("gap", .globalAveragePool2d, ["missing"])], output: "gap", seed: 1)
        }
        let tooBig = Self.node("conv", .conv2d, ["image"]) {
            $0.filters = 2
            $0.kernel = [5, 5]
        }
        #expect(throws: TrainingGraphError.self) { try TrainingGraph(nodes: [input, tooBig], output: "conv", seed: 1) }
    }
}
