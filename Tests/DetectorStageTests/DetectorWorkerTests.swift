import Foundation
import Logging
import TestSupport
import Testing

@testable import DetectorStage
@testable import FaceDetection
@testable import Imaging
@testable import PipelineProtocol

@Suite(
    "Detector worker",
    .enabled(
        if: (InstalledModels.faceCascade != nil && InstalledModels.blazeFaceFullRange != nil
            && FileManager.default.fileExists(atPath: sharedDataPath("faces"))) || runningInCI,
        "needs ../shared/data/faces, the cascade and BlazeFace (scripts/fetch-models.sh)"))
struct DetectorWorkerTests {
    static let photo = "/faces/2008_002470.jpg"

    func frame(_ path: String, seq: UInt64 = 3) throws -> FrameMessage {
        FrameMessage(
            header: FrameHeader(kind: .frame, flags: .acknowledged, source: "t", seq: seq, capturedAt: 9),
            image: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// 64 is fer's model's input; 48 stands for a model with another input size, whose crops must
    /// be resized once, from fer's crop, not from a 64x64 one.
    @Test(arguments: [64, 48])
    func haarFramesGiveTheDetectorsBoxesAndFersCropsAtTheModelsSide(_ side: Int) throws {
        let detector = FaceDetector(cascade: try HaarCascade(contentsOf: try #require(InstalledModels.faceCascade)))
        let locator = FaceLocator(.haar(detector, DetectionOptions(), .rgbWeighted))
        let worker = DetectorWorker(locator: locator, cropSide: side, logger: Logger(label: "test"))
        let path = sharedData.path + Self.photo
        let faces = worker.faces(in: try frame(path))

        let image = try ImageDecoder().decodeGray(contentsOf: path, conversion: .rgbWeighted)
        let boxes = detector.detect(image)
        #expect(!boxes.isEmpty)
        #expect(faces.faces == boxes.map { DetectedFace(box: $0) })
        #expect(faces.header.seq == 3 && faces.header.kind == .faces && faces.header.faceCount == boxes.count)
        #expect(faces.header.width == image.width && faces.header.height == image.height)
        let pad = FaceCrop.padValue(of: image)
        for (index, box) in boxes.enumerated() {
            let expected = BilinearResize.resize(try #require(FaceCrop.crop(image, box: box, padValue: pad)), width: side, height: side)
            #expect(faces.crop(index) == expected)
        }
    }

    /// BlazeFace's faces travel with their scores and keypoints; the crop is fer's crop around the
    /// box made square, from the frame's gray (OpenCV's weights).
    @Test func blazeFaceFramesCarryScoresKeypointsAndCropsAroundTheSquaredBox() throws {
        let detector = try BlazeFaceDetector(contentsOf: try #require(InstalledModels.blazeFaceFullRange))
        let worker = DetectorWorker(locator: FaceLocator(.blazeFace(detector, minScore: nil)), cropSide: 48, logger: Logger(label: "test"))
        let path = sharedData.path + Self.photo
        let faces = worker.faces(in: try frame(path))

        let rgb = try ImageDecoder().decodeRGB(contentsOf: path)
        let expected = detector.detect(rgb)
        #expect(!expected.isEmpty)
        #expect(faces.faces.count == expected.count)
        let gray = rgb.grayscale()
        let pad = FaceCrop.padValue(of: gray)
        for (index, (face, truth)) in zip(faces.faces, expected).enumerated() {
            #expect(face.box == truth.rect(inFrameOf: rgb.width, rgb.height))
            #expect(face.score == Float(truth.score))
            #expect(face.keypoints.map(\.x) == truth.keypoints.map { Float($0.x) })
            let box = FaceLocator.cropBox(of: truth, geometry: .boxSquared)
            #expect(box.width == box.height && abs(box.width - max(face.box.width, face.box.height)) <= 1)
            let crop = BilinearResize.resize(try #require(FaceCrop.crop(gray, box: box, padValue: pad)), width: 48, height: 48)
            #expect(faces.crop(index) == crop)
        }
    }

    /// Frames no detector can use give no faces, never a crash: tiny, a 1x4000 strip, all black,
    /// all white; and a face cut by the frame's edge gives a box inside the frame.
    @Test(arguments: FaceDetectorKind.allCases.filter { $0 != .blazefaceShort })
    func degenerateFramesGiveNoFacesAndBordersClipBoxes(_ kind: FaceDetectorKind) throws {
        let locator =
            kind == .haar
            ? FaceLocator(
                .haar(FaceDetector(cascade: try HaarCascade(contentsOf: try #require(InstalledModels.faceCascade))), DetectionOptions(), .rgbWeighted)
            )
            : FaceLocator(.blazeFace(try BlazeFaceDetector(contentsOf: try #require(InstalledModels.blazeFaceFullRange)), minScore: nil))
        let worker = DetectorWorker(locator: locator, cropSide: 48, logger: Logger(label: "test"))
        let encoder = JPEGEncoder()
        for (width, height, value) in [(1, 1, UInt8(128)), (7, 5, 60), (1, 4000, 200), (4000, 1, 10), (640, 480, 0), (640, 480, 255)] {
            let image = RGBImage(width: width, height: height, pixels: [UInt8](repeating: value, count: width * height * 3))
            let message = FrameMessage(
                header: FrameHeader(kind: .frame, source: "t", seq: 1, capturedAt: 9), image: [UInt8](try encoder.encode(image)))
            let faces = worker.faces(in: message)
            #expect(faces.faces.isEmpty, "\(width)x\(height) of \(value)")
            #expect(faces.header.flags.isEmpty && faces.header.width == width && faces.header.height == height)
        }
        // The photo's right half: its faces near the cut stay inside the frame.
        let rgb = try ImageDecoder().decodeRGB(contentsOf: sharedData.path + Self.photo)
        let half = rgb.width / 2
        var pixels: [UInt8] = []
        for y in 0..<rgb.height { pixels += rgb.pixels[((y * rgb.width + half) * 3)..<((y + 1) * rgb.width * 3)] }
        let cut = RGBImage(width: rgb.width - half, height: rgb.height, pixels: pixels)
        let faces = worker.faces(
            in: FrameMessage(header: FrameHeader(kind: .frame, source: "t", seq: 2, capturedAt: 9), image: [UInt8](try encoder.encode(cut))))
        for face in faces.faces {
            #expect(face.box.x >= 0 && face.box.y >= 0 && face.box.x + face.box.width <= cut.width && face.box.y + face.box.height <= cut.height)
        }
    }

    @Test func anUndecodableFrameYieldsNoFacesAndTheFlag() throws {
        let detector = try BlazeFaceDetector(contentsOf: try #require(InstalledModels.blazeFaceFullRange))
        let worker = DetectorWorker(locator: FaceLocator(.blazeFace(detector, minScore: nil)), cropSide: 64, logger: Logger(label: "test"))
        let frame = FrameMessage(
            header: FrameHeader(kind: .frame, flags: .acknowledged, source: "t", seq: 1, capturedAt: 9),
            image: [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])
        let faces = worker.faces(in: frame)
        #expect(faces.faces.isEmpty)
        #expect(faces.header.flags == [.acknowledged, .undecodable])
    }
}
