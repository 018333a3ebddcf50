import Foundation
import ModelFormat
import TestSupport
import Testing

@testable import NeuralNetwork

@Suite("Model file loading and validation")
struct ModelFileTests {
    static let model = NetworkTests.residualModel()

    @Test("A written model reads back with the same graph, labels and weights")
    func roundTrip() throws {
        let data = try NetworkTestSupport.safetensors(Self.model)
        let read = try ModelFile(data: data, path: "m.safetensors")
        #expect(read.graph == Self.model.graph)
        #expect(read.labels == Self.model.labels)
        #expect(read.tensors == Self.model.tensors)
    }

    @Test("ModelFile.encoded writes what the reader reads back, extra metadata included, with an 8-byte aligned header")
    func encodedRoundTrip() throws {
        let model = ModelFile(
            graph: Self.model.graph, labels: Self.model.labels, source: "test", tensors: Self.model.tensors,
            extraMetadata: ["moodwire.training": "{\"epoch\":3}"])
        let data = try model.encoded()
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        #expect(headerLength % 8 == 0)
        let read = try ModelFile(data: data, path: "m")
        #expect(read.graph == model.graph && read.labels == model.labels && read.tensors == model.tensors)
        #expect(read.source == "test" && read.extraMetadata == model.extraMetadata)
        #expect(try Network(model: read, path: "m").labels == model.labels)

        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let path = folder.path + "/model.safetensors"
        try model.write(to: path)
        #expect(try ModelFile(contentsOf: path).tensors == model.tensors)
        #expect(throws: ModelFileError.self) { try model.write(to: "/nonexistent-folder/model.safetensors") }
    }

    @Test("Float16 storage halves the tensors' bytes, stores IEEE half bit patterns and reads back within 2^-11")
    func float16Storage() throws {
        let model = ModelFile(graph: Self.model.graph, labels: Self.model.labels, source: "test", tensors: Self.model.tensors)
        let single = try model.encoded(), half = try model.encoded(precision: .float16)
        let floats = model.tensors.values.reduce(0) { $0 + $1.values.count }
        #expect(single.count - half.count >= floats * 2 - 64)
        let read = try ModelFile(data: half, path: "m")
        for (name, tensor) in model.tensors {
            let loaded = try #require(read.tensors[name])
            #expect(loaded.shape == tensor.shape)
            for (a, b) in zip(loaded.values, tensor.values) {
                #expect(abs(a - b) <= abs(b) / 2048 + 6e-8, "\(name): \(a) for \(b)")
            }
        }

        // Known half-precision bit patterns, read straight from the data section.
        let values: [Float] = [1, -2, 0.5, 65504, 0x1p-24, 0]
        let probe = ModelFile(
            graph: Self.model.graph, labels: Self.model.labels, source: "test",
            tensors: ["a": WeightTensor(shape: [values.count], values: values)])
        let bytes = try probe.encoded(precision: .float16)
        let patterns = bytes.suffix(values.count * 2).withUnsafeBytes { raw in
            (0..<values.count).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
        }
        #expect(patterns == [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x0000])
        #expect(try ModelFile(data: bytes, path: "m").tensors["a"]?.values == values)

        let tooLarge = ModelFile(
            graph: Self.model.graph, labels: Self.model.labels, source: "test",
            tensors: ["big": WeightTensor(shape: [1], values: [1e6])])
        let error = try #require(throws: ModelFileError.self) { try tooLarge.encoded(precision: .float16) }
        #expect(error.description.contains("big") && error.description.contains("float16"))
        #expect(try tooLarge.encoded().count > 0)
    }

    @Test("Every truncation of a model file is refused with an error, never a crash")
    func truncated() throws {
        let data = try NetworkTestSupport.safetensors(Self.model)
        for length in [0, 4, 8, 20, data.count / 2, data.count - 4, data.count - 1] {
            #expect(throws: ModelFileError.self, "length \(length)") {
                try ModelFile(data: data.prefix(length), path: "m")
            }
        }
        let error = try #require(throws: ModelFileError.self) { try ModelFile(data: data.prefix(data.count - 4), path: "m") }
        #expect(error.description.contains("truncated"))
    }

    @Test("Wrong format, version and garbage are refused with a clear message")
    func wrongFiles() throws {
        let wrongVersion = try NetworkTestSupport.safetensors(Self.model, metadataOverrides: ["format_version": "99"])
        let versionError = try #require(throws: ModelFileError.self) { try ModelFile(data: wrongVersion, path: "m") }
        #expect(versionError == .unsupportedVersion(path: "m", found: "99", supported: ModelFile.formatVersion))
        #expect(versionError.description.contains("convert the model again"))

        let plain = try NetworkTestSupport.safetensors(Self.model, metadataOverrides: ["format": "something-else"])
        let formatError = try #require(throws: ModelFileError.self) { try ModelFile(data: plain, path: "m") }
        #expect(formatError.description.contains("not a Moodwire model file"))

        let badGraph = try NetworkTestSupport.safetensors(Self.model, metadataOverrides: ["graph": "{\"nodes\": 3}"])
        #expect(throws: ModelFileError.self) { try ModelFile(data: badGraph, path: "m") }

        var garbage = Data(repeating: 0xAB, count: 4096)
        #expect(throws: ModelFileError.self) { try ModelFile(data: garbage, path: "m") }
        garbage.replaceSubrange(0..<8, with: [16, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: ModelFileError.self) { try ModelFile(data: garbage, path: "m") }
    }

    @Test("A missing file names its path")
    func missingFile() {
        let error = #expect(throws: ModelFileError.self) { try ModelFile(contentsOf: "/nonexistent/model.safetensors") }
        #expect(error?.description.contains("/nonexistent/model.safetensors") == true)
    }

    @Test(
        "The installed model loads as mini-Xception with batch norms folded away",
        .enabled(if: NetworkTestSupport.modelPath != nil || runningInCI, "needs the model: run scripts/fetch-models.sh"))
    func installedModel() throws {
        let path = try #require(NetworkTestSupport.modelPath, "model not installed: run scripts/fetch-models.sh")
        let network = try Network(contentsOf: path)
        #expect(network.inputShape == FeatureShape(height: 64, width: 64, channels: 1))
        #expect(network.outputShape == FeatureShape(height: 1, width: 1, channels: 7))
        #expect(network.normalization == PixelNormalization(divide: 255, subtract: 0.5, multiply: 2))
        #expect(!network.steps.contains { $0.layer is BatchNorm || $0.layer is ActivationLayer && $0.layer.name != "predictions" })
        #expect(network.multiplyAccumulates > 10_000_000 && network.multiplyAccumulates < 10_500_000)
    }
}
