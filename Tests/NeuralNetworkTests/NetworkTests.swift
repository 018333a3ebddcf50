import Foundation
import ModelFormat
import TestSupport
import Testing

@testable import EmotionClassification
@testable import NeuralNetwork
@testable import Results

@Suite("Graph compilation and inference sessions")
struct NetworkTests {
    static let labels = Emotion.allCases.map(\.rawValue)

    /// A small residual block in the shape of mini-Xception's: conv-BN-ReLU, separable convs,
    /// a strided 1x1 shortcut, max pooling, add, then conv, global pooling and softmax.
    static func residualModel() -> ModelFile {
        var g = GraphBuilder(input: [12, 12, 1])
        g.weight("c1/kernel", [3, 3, 1, 4])
        g.add("c1", .conv2d, ["input"]) {
            $0.filters = 4
            $0.kernel = [3, 3]
            $0.strides = [1, 1]
            $0.padding = .valid
            $0.useBias = false
            $0.activation = .linear
        }
        for (name, channels) in [("bn1", 4), ("bn2", 8), ("bn3", 8)] {
            g.weight("\(name)/gamma", [channels])
            g.weight("\(name)/beta", [channels])
            g.weight("\(name)/moving_mean", [channels])
            g.weight("\(name)/moving_variance", [channels], positive: true)
        }
        g.add("bn1", .batchNorm, ["c1"]) { $0.epsilon = 1e-3 }
        g.add("r1", .activation, ["bn1"]) { $0.activation = .relu }
        g.weight("s1/depthwise_kernel", [3, 3, 4, 1])
        g.weight("s1/pointwise_kernel", [1, 1, 4, 8])
        g.add("s1", .separableConv2d, ["r1"]) {
            $0.filters = 8
            $0.kernel = [3, 3]
            $0.strides = [1, 1]
            $0.padding = .same
            $0.useBias = false
            $0.depthMultiplier = 1
        }
        g.add("bn2", .batchNorm, ["s1"]) { $0.epsilon = 1e-3 }
        g.add("p1", .maxPool2d, ["bn2"]) {
            $0.pool = [3, 3]
            $0.strides = [2, 2]
            $0.padding = .same
        }
        g.weight("short/kernel", [1, 1, 4, 8])
        g.add("short", .conv2d, ["r1"]) {
            $0.filters = 8
            $0.kernel = [1, 1]
            $0.strides = [2, 2]
            $0.padding = .same
            $0.useBias = false
        }
        g.add("bn3", .batchNorm, ["short"]) { $0.epsilon = 1e-3 }
        g.add("sum", .add, ["p1", "bn3"])
        g.weight("head/kernel", [3, 3, 8, 7])
        g.weight("head/bias", [7])
        g.add("head", .conv2d, ["sum"]) {
            $0.filters = 7
            $0.kernel = [3, 3]
            $0.strides = [1, 1]
            $0.padding = .same
            $0.useBias = true
        }
        g.add("gap", .globalAveragePool2d, ["head"])
        g.add("out", .activation, ["gap"]) { $0.activation = .softmax }
        return g.model(output: "out", labels: labels)
    }

    /// The same graph evaluated with the naive reference kernels and no fusion.
    static func referenceOutput(_ model: ModelFile, input: [Float], batch: Int) -> [Float] {
        let t = model.tensors
        func bn(_ name: String, _ shape: FeatureShape) -> BatchNorm {
            BatchNorm(
                name: name, shape: shape, gamma: t["\(name)/gamma"]!.values, beta: t["\(name)/beta"]!.values,
                mean: t["\(name)/moving_mean"]!.values, variance: t["\(name)/moving_variance"]!.values, epsilon: 1e-3)
        }
        let c1 = Conv2D(
            name: "c1", input: FeatureShape(height: 12, width: 12, channels: 1), weights: t["c1/kernel"]!.values,
            bias: nil, outputChannels: 4, kernel: (3, 3), stride: (1, 1), padding: .valid)
        let r1 = bn("bn1", c1.outputShape).naiveForward(c1.naiveForward(input, batch: batch)).map { max($0, 0) }
        let s1 = SeparableConv2D(
            name: "s1", input: c1.outputShape, depthwiseWeights: t["s1/depthwise_kernel"]!.values,
            pointwiseWeights: t["s1/pointwise_kernel"]!.values, bias: nil, multiplier: 1,
            outputChannels: 8, kernel: (3, 3), stride: (1, 1), padding: .same)
        let b2 = bn("bn2", s1.outputShape).naiveForward(s1.naiveForward(r1, batch: batch))
        let p1 = Pooling2D(name: "p1", kind: .max, input: s1.outputShape, pool: (3, 3), stride: (2, 2), padding: .same)
        let pooled = p1.naiveForward(b2, batch: batch)
        let short = Conv2D(
            name: "short", input: c1.outputShape, weights: t["short/kernel"]!.values, bias: nil,
            outputChannels: 8, kernel: (1, 1), stride: (2, 2), padding: .same)
        let b3 = bn("bn3", short.outputShape).naiveForward(short.naiveForward(r1, batch: batch))
        let sum = zip(pooled, b3).map(+)
        let head = Conv2D(
            name: "head", input: p1.outputShape, weights: t["head/kernel"]!.values, bias: t["head/bias"]!.values,
            outputChannels: 7, kernel: (3, 3), stride: (1, 1), padding: .same)
        let gap = GlobalAveragePool2D(name: "gap", inputShape: head.outputShape)
        let logits = gap.naiveForward(head.naiveForward(sum, batch: batch), batch: batch)
        return ActivationLayer(name: "out", function: .softmax, outputShape: gap.outputShape).naiveForward(logits)
    }

    @Test("Batch norms fold into convolutions and ReLUs into their epilogues")
    func fusion() throws {
        let network = try Network(model: Self.residualModel(), path: "test")
        #expect(network.layerNames == ["c1", "s1", "p1", "short", "sum", "head", "gap", "out"])
        let conv = try #require(network.steps[0].layer as? Conv2D)
        #expect(conv.activation == .relu)
        #expect(network.outputShape == FeatureShape(height: 1, width: 1, channels: 7))
    }

    @Test("A compiled network equals the unfused reference, for any batch and thread count", arguments: [(1, 1), (3, 1), (1, 2), (5, 2), (4, 3)])
    func compiledMatchesReference(batch: Int, threads: Int) throws {
        let model = Self.residualModel()
        let network = try Network(model: model, path: "test")
        let session = InferenceSession(network: network, maxBatch: 5, threads: threads)
        let input = NetworkTestSupport.randomFloats(batch * network.inputShape.count, seed: 99)
        session.input.update(from: input, count: input.count)
        session.run(batch: batch)
        let output = Array(UnsafeBufferPointer(start: session.output, count: batch * 7))
        #expect(NetworkTestSupport.maxDifference(output, Self.referenceOutput(model, input: input, batch: batch)) < 1e-5)
    }

    @Test("A session gives the same answers on repeated runs and after other batch sizes")
    func sessionReuse() throws {
        let network = try Network(model: Self.residualModel(), path: "test")
        let session = InferenceSession(network: network, maxBatch: 4, threads: 2)
        let input = NetworkTestSupport.randomFloats(4 * network.inputShape.count, seed: 5)
        session.input.update(from: input, count: input.count)
        session.run(batch: 4)
        let first = Array(UnsafeBufferPointer(start: session.output, count: 28))
        session.run(batch: 1)
        let single = Array(UnsafeBufferPointer(start: session.output, count: 7))
        session.run(batch: 4)
        #expect(Array(UnsafeBufferPointer(start: session.output, count: 28)) == first)
        #expect(NetworkTestSupport.maxDifference(single, Array(first[0..<7])) < 1e-6)
    }

    @Test("A plain Sequential Keras CNN (conv, pool, flatten, dense, dropout, softmax) loads and runs")
    func plainCNN() throws {
        var g = GraphBuilder(input: [8, 8, 1], normalization: PixelNormalization(divide: 255, subtract: 0, multiply: 1))
        g.weight("conv/kernel", [3, 3, 1, 6])
        g.weight("conv/bias", [6])
        g.add("conv", .conv2d, ["input"]) {
            $0.filters = 6
            $0.kernel = [3, 3]
            $0.strides = [1, 1]
            $0.padding = .same
            $0.activation = .relu
        }
        g.add("pool", .maxPool2d, ["conv"]) {
            $0.pool = [2, 2]
            $0.padding = .valid
        }
        g.add("flat", .flatten, ["pool"])
        g.weight("fc/kernel", [96, 10])
        g.weight("fc/bias", [10])
        g.add("fc", .dense, ["flat"]) {
            $0.units = 10
            $0.activation = .relu
        }
        g.add("drop", .dropout, ["fc"])
        g.weight("logits/kernel", [10, 7])
        g.weight("logits/bias", [7])
        g.add("logits", .dense, ["drop"]) {
            $0.units = 7
            $0.activation = .softmax
        }
        let model = g.model(output: "logits", labels: Self.labels)
        let network = try Network(model: model, path: "test")
        #expect(network.layerNames == ["conv", "pool", "fc", "logits", "logits/softmax"])

        let input = NetworkTestSupport.randomFloats(2 * 64, seed: 3)
        let session = InferenceSession(network: network, maxBatch: 2)
        session.input.update(from: input, count: input.count)
        session.run(batch: 2)
        let output = Array(UnsafeBufferPointer(start: session.output, count: 14))

        let t = model.tensors
        let conv = Conv2D(
            name: "conv", input: FeatureShape(height: 8, width: 8, channels: 1), weights: t["conv/kernel"]!.values,
            bias: t["conv/bias"]!.values, outputChannels: 6, kernel: (3, 3), stride: (1, 1), padding: .same, activation: .relu)
        let pool = Pooling2D(name: "pool", kind: .max, input: conv.outputShape, pool: (2, 2), stride: (2, 2), padding: .valid)
        let flat = FeatureShape(height: 1, width: 1, channels: 96)
        let fc = Dense(name: "fc", input: flat, weights: t["fc/kernel"]!.values, bias: t["fc/bias"]!.values, units: 10, activation: .relu)
        let logits = Dense(name: "logits", input: fc.outputShape, weights: t["logits/kernel"]!.values, bias: t["logits/bias"]!.values, units: 7)
        let expected = ActivationLayer(name: "s", function: .softmax, outputShape: logits.outputShape).naiveForward(
            logits.naiveForward(fc.naiveForward(pool.naiveForward(conv.naiveForward(input, batch: 2), batch: 2), batch: 2), batch: 2))
        #expect(NetworkTestSupport.maxDifference(output, expected) < 1e-5)
    }

    @Test("A graph with two outputs gives each the values of a graph with that output alone, for any batch and thread count")
    func twoOutputs() throws {
        // A detector's shape: a trunk, a channel-padded skip, 2x upsampling, two 1x1 heads.
        var g = GraphBuilder(input: [8, 8, 3])
        g.weight("trunk/kernel", [3, 3, 3, 8])
        g.weight("trunk/bias", [8])
        g.add("trunk", .conv2d, ["input"]) {
            $0.filters = 8
            $0.kernel = [3, 3]
            $0.strides = [2, 2]
            $0.padding = .same
            $0.activation = .relu
        }
        g.weight("widen/kernel", [3, 3, 8, 16])
        g.weight("widen/bias", [16])
        g.add("widen", .conv2d, ["trunk"]) {
            $0.filters = 16
            $0.kernel = [3, 3]
            $0.strides = [1, 1]
            $0.padding = .same
        }
        g.add("skip", .pad, ["trunk"]) { $0.paddings = [[0, 0], [0, 0], [0, 8]] }
        g.add("sum", .add, ["widen", "skip"])
        g.add("sum_relu", .activation, ["sum"]) { $0.activation = .relu }
        g.add("up", .resizeBilinear, ["sum_relu"]) {
            $0.size = [8, 8]
            $0.halfPixelCenters = true
        }
        for (name, filters) in [("boxes", 4), ("scores", 1)] {
            g.weight("\(name)/kernel", [1, 1, 16, filters])
            g.weight("\(name)/bias", [filters])
            g.add(name, .conv2d, ["up"]) {
                $0.filters = filters
                $0.kernel = [1, 1]
                $0.strides = [1, 1]
                $0.padding = .same
            }
        }
        let both = try Network(
            model: ModelFile(
                graph: ModelGraph(nodes: g.nodes, outputs: ["boxes", "scores"]), labels: ["face"], source: "test", tensors: g.tensors),
            path: "both")
        #expect(both.outputShapes == [FeatureShape(height: 8, width: 8, channels: 4), FeatureShape(height: 8, width: 8, channels: 1)])
        let boxes = try Network(
            model: g.model(output: "boxes", labels: ["a", "b", "c", "d"].flatMap { l in (0..<64).map { "\(l)\($0)" } }), path: "b")
        let scores = try Network(model: g.model(output: "scores", labels: (0..<64).map { "s\($0)" }), path: "s")
        for (batch, threads) in [(1, 1), (3, 2), (1, 2)] {
            let input = NetworkTestSupport.randomFloats(batch * both.inputShape.count, seed: 41)
            func run(_ network: Network) -> InferenceSession {
                let session = InferenceSession(network: network, maxBatch: batch, threads: threads)
                session.input.update(from: input, count: input.count)
                session.run(batch: batch)
                return session
            }
            let joint = run(both), alone = [run(boxes), run(scores)]
            for index in 0..<2 {
                let count = batch * both.outputShapes[index].count
                #expect(
                    Array(UnsafeBufferPointer(start: joint.output(index), count: count))
                        == Array(UnsafeBufferPointer(start: alone[index].output, count: count)), "output \(index), batch \(batch)")
            }
        }
    }

    @Test("Graph errors name the node and the problem")
    func graphErrors() throws {
        var missing = GraphBuilder(input: [8, 8, 1])
        missing.add("conv", .conv2d, ["input"]) {
            $0.filters = 4
            $0.kernel = [3, 3]
            $0.padding = .valid
            $0.useBias = false
        }
        #expect(throws: ModelFileError.invalidTensor(path: "m", name: "conv/kernel", reason: "missing (layer conv needs it)")) {
            try Network(model: missing.model(output: "conv", labels: ["a"]), path: "m")
        }

        var wrongShape = GraphBuilder(input: [8, 8, 1])
        wrongShape.weight("conv/kernel", [3, 3, 2, 4])
        wrongShape.add("conv", .conv2d, ["input"]) {
            $0.filters = 4
            $0.kernel = [3, 3]
            $0.padding = .valid
            $0.useBias = false
        }
        let shapeError = try #require(throws: ModelFileError.self) {
            try Network(model: wrongShape.model(output: "conv", labels: ["a"]), path: "m")
        }
        #expect(shapeError.description.contains("[3, 3, 2, 4], expected [3, 3, 1, 4]"))

        var dangling = GraphBuilder(input: [8, 8, 1])
        dangling.add("pool", .maxPool2d, ["nowhere"]) { $0.pool = [2, 2] }
        let danglingError = try #require(throws: ModelFileError.self) {
            try Network(model: dangling.model(output: "pool", labels: ["a"]), path: "m")
        }
        #expect(danglingError.description.contains("'nowhere' is not defined"))

        var tooBig = GraphBuilder(input: [4, 4, 1])
        tooBig.weight("conv/kernel", [5, 5, 1, 1])
        tooBig.add("conv", .conv2d, ["input"]) {
            $0.filters = 1
            $0.kernel = [5, 5]
            $0.padding = .valid
            $0.useBias = false
        }
        let windowError = try #require(throws: ModelFileError.self) {
            try Network(model: tooBig.model(output: "conv", labels: ["a"]), path: "m")
        }
        #expect(windowError.description.contains("does not fit"))
    }

    @Test("The classifier refuses models whose labels are not the FER2013 classes")
    func classifierLabels() throws {
        var g = GraphBuilder(input: [4, 4, 1])
        g.add("gap", .globalAveragePool2d, ["input"])
        let network = try Network(model: g.model(output: "gap", labels: ["cat"]), path: "m")
        #expect(throws: ModelFileError.self) { try EmotionClassifier(network: network, path: "m") }
    }
}
