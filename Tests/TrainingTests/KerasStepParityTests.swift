import Foundation
import ModelFormat
import Testing
import Training

/// Two SGD steps of a small network against Keras: Tests/TrainingTests/Fixtures/keras_training_steps.json,
/// made by scripts/reference/make_training_golden.py, holds the graph, the initial weights, one batch,
/// and Keras's loss and weights (with the moving statistics) after each step.
@Suite("Training steps against Keras")
struct KerasStepParityTests {
    struct Fixture: Decodable {
        struct Settings: Decodable {
            let learning_rate: Float
            let momentum: Float
            let nesterov: Bool
            let weight_decay: Float
            let label_smoothing: Float
        }
        struct Tensor: Decodable {
            let shape: [Int]
            let values: [Double]
        }
        struct Step: Decodable {
            let loss: Double
            let tensors: [String: [Double]]
        }
        let settings: Settings
        let graph: ModelGraph
        let initial: [String: Tensor]
        let inputs: [Double]
        let labels: [Int]
        let steps: [Step]
    }

    static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras_training_steps.json").path

    @Test("Loss, weights and moving statistics after each of two steps match Keras to 1e-4")
    func twoSteps() throws {
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixturePath)))
        let graph = try TrainingGraph(fixture.graph, seed: 1)
        try graph.load(fixture.initial.mapValues { WeightTensor(shape: $0.shape, values: $0.values.map(Float.init)) })
        let settings = fixture.settings
        var optimizer = SGD(momentum: settings.momentum, nesterov: settings.nesterov, weightDecay: settings.weight_decay, decayStyle: .l2)
        let loss = SoftmaxCrossEntropy(labelSmoothing: settings.label_smoothing)
        let inputs = fixture.inputs.map(Float.init)
        for (index, expected) in fixture.steps.enumerated() {
            graph.zeroGradients()
            let logits = graph.forward(inputs, batch: fixture.labels.count, training: true)
            let (value, gradient) = loss.evaluate(logits: logits, labels: fixture.labels, classes: graph.outputShape.count)
            graph.backward(gradient)
            optimizer.update(graph.parameters, learningRate: settings.learning_rate)
            #expect(abs(Double(value) - expected.loss) < 1e-4, "step \(index + 1) loss \(value) vs \(expected.loss)")
            let ours = graph.tensors
            #expect(Set(ours.keys) == Set(expected.tensors.keys), "step \(index + 1) tensor names")
            for (name, values) in expected.tensors {
                let mine = ours[name]?.values ?? []
                let error = zip(mine, values).map { abs(Double($0) - $1) }.max() ?? .infinity
                #expect(mine.count == values.count && error < 1e-4, "step \(index + 1) \(name): largest difference \(error)")
            }
        }
    }
}
