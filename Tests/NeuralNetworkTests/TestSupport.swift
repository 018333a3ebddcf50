import Foundation
import ModelFormat
import TestSupport

@testable import CommandLineSupport
@testable import NeuralNetwork

/// Paths and helpers shared by the runtime and classifier tests.
enum NetworkTestSupport {
    static let publicTest = sharedDataPath("fer2013/publictest")
    static let goldenFile = repositoryRoot.appendingPathComponent("Tests/NeuralNetworkTests/Fixtures/keras_golden.json").path
    static var sharedDataAvailable: Bool { FileManager.default.fileExists(atPath: publicTest) }
    static var modelPath: String? { InstalledModels.ferModel }

    /// Reproducible pseudo-random floats in [-1, 1) (SplitMix64).
    static func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(z >> 40) / Float(1 << 23) - 1
        }
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "compared arrays differ in length")
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// Runs `layer` over `batch` images with the work items split into `pieces` ranges, as the
    /// thread team would, and returns the output.
    static func run(_ layer: any Layer, inputs: [[Float]], batch: Int, pieces: Int = 1) -> [Float] {
        var output = [Float](repeating: .nan, count: batch * layer.outputShape.count)
        var scratch = [Float](repeating: 0, count: max(layer.scratchCount, 1))
        let stored = inputs.map { values -> UnsafeMutablePointer<Float> in
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        defer { stored.forEach { $0.deallocate() } }
        let table = stored.map { UnsafePointer($0) }
        let items = layer.workItems(batch: batch)
        table.withUnsafeBufferPointer { table in
            output.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    for piece in 0..<pieces {
                        let range = (items * piece / pieces)..<(items * (piece + 1) / pieces)
                        if !range.isEmpty {
                            layer.forward(table, output: out.baseAddress!, items: range, scratch: scratch.baseAddress!)
                        }
                    }
                }
            }
        }
        return output
    }

    /// Serialises a model the way scripts/convert_keras_model.py does (safetensors with metadata).
    static func safetensors(_ model: ModelFile, metadataOverrides: [String: String] = [:]) throws -> Data {
        var metadata: [String: String] = [
            "format": ModelFile.format,
            "format_version": String(ModelFile.formatVersion),
            "graph": String(decoding: try JSONEncoder().encode(model.graph), as: UTF8.self),
            "labels": String(decoding: try JSONEncoder().encode(model.labels), as: UTF8.self),
            "source": model.source
        ]
        metadata.merge(metadataOverrides) { $1 }
        var header: [String: Any] = ["__metadata__": metadata]
        var body = Data()
        for name in model.tensors.keys.sorted() {
            let tensor = model.tensors[name]!
            let start = body.count
            tensor.values.withUnsafeBytes { body.append(contentsOf: $0) }
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [start, body.count]]
        }
        let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var data = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(body)
        return data
    }
}

/// Builds small graphs for tests, node by node, with random weights.
struct GraphBuilder {
    var nodes: [LayerSpec] = []
    var tensors: [String: WeightTensor] = [:]
    var seed: UInt64 = 1

    init(input: [Int], normalization: PixelNormalization = PixelNormalization(divide: 255, subtract: 0.5, multiply: 2)) {
        var node = LayerSpec(name: "input", op: .input, inputs: [])
        node.shape = input
        node.normalization = normalization
        nodes.append(node)
    }

    mutating func weight(_ name: String, _ shape: [Int], positive: Bool = false) {
        seed += 1
        let values = NetworkTestSupport.randomFloats(shape.reduce(1, *), seed: seed)
        tensors[name] = WeightTensor(shape: shape, values: positive ? values.map { abs($0) + 0.1 } : values)
    }

    @discardableResult
    mutating func add(_ name: String, _ op: LayerSpec.Operation, _ inputs: [String], configure: (inout LayerSpec) -> Void = { _ in }) -> String {
        var node = LayerSpec(name: name, op: op, inputs: inputs)
        configure(&node)
        nodes.append(node)
        return name
    }

    func model(output: String, labels: [String]) -> ModelFile {
        ModelFile(graph: ModelGraph(nodes: nodes, outputs: [output]), labels: labels, source: "test", tensors: tensors)
    }
}
