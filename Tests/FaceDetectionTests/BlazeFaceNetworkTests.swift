import Foundation
import ModelFormat
import NeuralNetwork
import TestSupport
import Testing

/// The converted BlazeFace networks against TensorFlow Lite's interpreter running the original
/// `.tflite` (fixtures from scripts/reference/make_blazeface_golden.py), on an input the fixture
/// defines by a formula, so that the network is checked apart from the letterbox.
@Suite("BlazeFace networks match TensorFlow Lite")
struct BlazeFaceNetworkTests {
    /// TensorFlow Lite's outputs for one input: every anchor's score logit, and the 16 box values
    /// of the listed anchors.
    struct RawOutputs: Decodable {
        let input: String?
        let rgb_sha256: String?
        let tensor_sha256: String
        let tensor_sum: Int
        let scores: String
        let regressor_anchors: [Int]
        let regressors: String
    }

    struct Fixture: Decodable {
        let synthetic: RawOutputs
    }

    static func floats(_ base64: String) throws -> [Float] {
        let data = try #require(Data(base64Encoded: base64))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static var installed: Bool { InstalledModels.blazeFaceFullRange != nil && InstalledModels.blazeFaceShortRange != nil }

    @Test(
        .enabled(if: installed || runningInCI, "needs the BlazeFace models; run scripts/fetch-models.sh"),
        arguments: [("full_range", 2), ("short_range", 3)])
    func rawOutputs(name: String, threads: Int) throws {
        let path = try #require(name == "full_range" ? InstalledModels.blazeFaceFullRange : InstalledModels.blazeFaceShortRange)
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/FaceDetectionTests/Fixtures/blazeface/\(name).json"))
        )
        .synthetic
        let network = try Network(contentsOf: path)
        let side = network.inputShape.height
        #expect(network.inputShape == FeatureShape(height: side, width: side, channels: 3))
        #expect(side == (name == "full_range" ? 192 : 128))

        // p(y, x, c) = (7x + 13y + 61c + (xy mod 17)) mod 256, as the fixture's formula says.
        var pixels = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            for x in 0..<side {
                for c in 0..<3 { pixels[(y * side + x) * 3 + c] = UInt8((7 * x + 13 * y + 61 * c + (x * y) % 17) % 256) }
            }
        }
        #expect(pixels.reduce(0) { $0 + Int($1) } == fixture.tensor_sum)
        let table = network.normalization.table
        let session = InferenceSession(network: network, maxBatch: 1, threads: threads)
        for (i, pixel) in pixels.enumerated() { session.input[i] = table[Int(pixel)] }
        session.run(batch: 1)

        // Outputs are the regressor heads, then the classifier heads; anchor (y, x, a) of head k
        // comes after every anchor of the heads before it.
        let heads = network.outputShapes.count / 2
        var scores: [Float] = [], regressors: [[Float]] = []
        for head in 0..<heads {
            let boxes = network.outputShapes[head], classes = network.outputShapes[heads + head]
            let boxValues = session.output(head), scoreValues = session.output(heads + head)
            #expect(boxes.channels == 16 * classes.channels)
            for cell in 0..<(classes.height * classes.width) {
                for anchor in 0..<classes.channels {
                    scores.append(scoreValues[cell * classes.channels + anchor])
                    regressors.append((0..<16).map { boxValues[cell * boxes.channels + anchor * 16 + $0] })
                }
            }
        }
        let expectedScores = try Self.floats(fixture.scores)
        #expect(scores.count == expectedScores.count)
        let expectedRegressors = try Self.floats(fixture.regressors)
        #expect(expectedRegressors.count == fixture.regressor_anchors.count * 16)

        // Float32 rounding grows with the values (the fixture's tolerance).
        func tolerance(_ values: [Float]) -> Float { 1e-4 + 4e-6 * (values.map(abs).max() ?? 0) }
        let scoreError = zip(scores, expectedScores).map { abs($0 - $1) }.max() ?? .infinity
        #expect(scoreError <= tolerance(expectedScores), "scores differ by \(scoreError)")
        var regressorError: Float = 0
        for (row, anchor) in fixture.regressor_anchors.enumerated() {
            for k in 0..<16 { regressorError = max(regressorError, abs(regressors[anchor][k] - expectedRegressors[row * 16 + k])) }
        }
        #expect(regressorError <= tolerance(expectedRegressors), "regressors differ by \(regressorError)")
    }
}
