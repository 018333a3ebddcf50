import Foundation
import Imaging
import TestSupport
import Testing

@testable import FaceDetection

/// The BlazeFace detector against MediaPipe's pipeline run in Python with TensorFlow Lite
/// (scripts/reference/make_blazeface_golden.py): the letterboxed bytes, the raw outputs and the
/// final faces on the shared photos.
@Suite("BlazeFace detection matches MediaPipe")
struct BlazeFaceDetectorTests {
    struct Fixture: Decodable {
        struct Image: Decodable {
            let input: String
            let rgb_sha256: String
            let detections: [Face]
        }
        struct Face: Decodable {
            let box: [Double]
            let score: Double
            let keypoints: [Double]
            let anchor: Int
            let merged: Int
        }
        let raw: [BlazeFaceNetworkTests.RawOutputs]
        let detections: [Image]
    }

    static func fixture(_ name: String) throws -> Fixture {
        try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: repositoryRoot.appendingPathComponent("Tests/FaceDetectionTests/Fixtures/blazeface/\(name).json")))
    }

    static func detector(_ name: String) throws -> BlazeFaceDetector {
        let path = try #require(name == "full_range" ? InstalledModels.blazeFaceFullRange : InstalledModels.blazeFaceShortRange)
        return try BlazeFaceDetector(contentsOf: path, threads: 2)
    }

    /// Raw outputs agree within 1e-4 plus this share of the largest value.
    static func relativeTolerance(_ name: String) -> Double { name == "full_range" ? 4e-6 : 8e-6 }

    static var ready: Bool { BlazeFaceNetworkTests.installed && FileManager.default.fileExists(atPath: sharedDataPath("faces")) }

    @Test(.enabled(if: ready || runningInCI, "needs the BlazeFace models and ../shared/data/faces"), arguments: ["full_range", "short_range"])
    func letterboxAndRawOutputs(name: String) throws {
        let detector = try Self.detector(name)
        for raw in try Self.fixture(name).raw {
            let input = try #require(raw.input)
            let image = try ImageDecoder().decodeRGB(contentsOf: sharedDataPath(input))
            try #require(sha256Hex(image.pixels) == raw.rgb_sha256, "\(input) decodes to other pixels than OpenCV's")
            let letterbox = Letterbox(side: detector.inputSide, imageWidth: image.width, imageHeight: image.height)
            #expect(sha256Hex(letterbox.bytes(of: image)) == raw.tensor_sha256, "\(input): the letterbox is not OpenCV's")

            _ = detector.detect(image)
            let scores = try BlazeFaceNetworkTests.floats(raw.scores), regressors = try BlazeFaceNetworkTests.floats(raw.regressors)
            var anchor = 0, scoreError: Float = 0, regressorError: Float = 0
            var rows = [Int: Int]()
            for (row, index) in raw.regressor_anchors.enumerated() { rows[index] = row }
            for head in detector.heads {
                let boxes = detector.session.output(head.boxes), logits = detector.session.output(head.scores)
                for i in 0..<detector.network.outputShapes[head.scores].count {
                    scoreError = max(scoreError, abs(logits[i] - scores[anchor]))
                    if let row = rows[anchor] {
                        for k in 0..<16 { regressorError = max(regressorError, abs(boxes[i * 16 + k] - regressors[row * 16 + k])) }
                    }
                    anchor += 1
                }
            }
            // Float32 rounding grows with the values: the short-range model's logits reach hundreds.
            func tolerance(_ values: [Float]) -> Float { 1e-4 + Float(Self.relativeTolerance(name)) * (values.map(abs).max() ?? 0) }
            #expect(scoreError <= tolerance(scores), "\(input): scores differ by \(scoreError)")
            #expect(regressorError <= tolerance(regressors), "\(input): regressors differ by \(regressorError)")
        }
    }

    @Test(.enabled(if: ready || runningInCI, "needs the BlazeFace models and ../shared/data/faces"), arguments: ["full_range", "short_range"])
    func facesOnThePhotos(name: String) throws {
        let detector = try Self.detector(name)
        var compared = 0
        for expected in try Self.fixture(name).detections where expected.input.hasPrefix("faces/") {
            let image = try ImageDecoder().decodeRGB(contentsOf: sharedDataPath(expected.input))
            try #require(sha256Hex(image.pixels) == expected.rgb_sha256, "\(expected.input) decodes to other pixels than OpenCV's")
            let faces = detector.detect(image)
            #expect(faces.count == expected.detections.count, "\(expected.input)")
            // Full range: half a frame pixel and 1e-4 in score. Short range's larger values round
            // further apart (a few 1e-3 in a logit), which moves a score near the threshold in or
            // out of a weighted merge: half a pixel of its 128-pixel input, and 2e-3.
            let scale = Letterbox(side: detector.inputSide, imageWidth: image.width, imageHeight: image.height).scale
            let pixels = name == "full_range" ? 0.5 : 0.5 * scale, scores = name == "full_range" ? 1e-4 : 2e-3
            for (face, truth) in zip(faces, expected.detections) {
                let box = [face.x, face.y, face.width, face.height]
                #expect(zip(box, truth.box).allSatisfy { abs($0 - $1) <= pixels }, "\(expected.input): \(box) for \(truth.box)")
                #expect(abs(face.score - truth.score) <= scores, "\(expected.input): score \(face.score) for \(truth.score)")
                let points = face.keypoints.flatMap { [$0.x, $0.y] }
                #expect(zip(points, truth.keypoints).allSatisfy { abs($0 - $1) <= pixels }, "\(expected.input): keypoints")
            }
            compared += 1
        }
        #expect(compared == 10)
    }

    @Test("Anchors: full range 48x48 cells of one, short range 16x16 of two and 8x8 of six, centred on their cells")
    func anchors() {
        var options = BlazeFaceOptions.Anchors(
            numLayers: 1, minScale: 0.1484375, maxScale: 0.75, inputSizeHeight: 192, inputSizeWidth: 192, anchorOffsetX: 0.5,
            anchorOffsetY: 0.5, strides: [4], aspectRatios: [1], fixedAnchorSize: true, interpolatedScaleAspectRatio: 0,
            reduceBoxesInLowestLayer: false)
        let full = options.generate()
        #expect(full.count == 2304)
        #expect(full[0] == SSDAnchor(x: 0.5 / 48, y: 0.5 / 48, width: 1, height: 1))
        #expect(full[49] == SSDAnchor(x: 1.5 / 48, y: 1.5 / 48, width: 1, height: 1))
        options.numLayers = 4
        options.strides = [8, 16, 16, 16]
        options.inputSizeHeight = 128
        options.inputSizeWidth = 128
        options.interpolatedScaleAspectRatio = 1
        let short = options.generate()
        #expect(short.count == 16 * 16 * 2 + 8 * 8 * 6)
        #expect(short[0] == short[1] && short[0].x == 0.5 / 16)
        #expect(short[512] == SSDAnchor(x: 0.5 / 8, y: 0.5 / 8, width: 1, height: 1) && short[517] == short[512] && short[518].x == 1.5 / 8)
    }

    @Test("Weighted suppression merges overlapping boxes by score, keeps the seed's score, and stops at a box of no area")
    func weightedSuppression() {
        func box(_ x: Double, _ score: Double, anchor: Int, size: Double = 1) -> AnchorDetection {
            AnchorDetection(xmin: x, ymin: 0, xmax: x + size, ymax: size, keypoints: [x, 0], score: score, anchor: anchor)
        }
        let merged = WeightedSuppression.apply([box(0.1, 0.6, anchor: 1), box(0, 0.9, anchor: 0), box(5, 0.7, anchor: 2)], threshold: 0.3)
        #expect(merged.count == 2)
        #expect(merged[0].score == 0.9 && merged[0].merged == 2 && abs(merged[0].xmin - 0.04) < 1e-12 && abs(merged[0].keypoints[0] - 0.04) < 1e-12)
        #expect(merged[1].anchor == 2 && merged[1].merged == 1)
        let stopped = WeightedSuppression.apply([box(0, 0.9, anchor: 0, size: 0), box(5, 0.7, anchor: 1)], threshold: 0.3)
        #expect(stopped.count == 1 && stopped[0].anchor == 0)
    }
}
