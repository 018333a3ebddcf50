import Foundation
import Imaging
import TestSupport
import Testing

@testable import FaceDetection

@Suite("BlazeFace tiles for large frames")
struct BlazeFaceTilingTests {
    @Test func fourCornerTilesOfThreeFifthsForPhotosFrom288AndVideoFramesFrom768() {
        #expect(BlazeFaceDetector.tiles(width: 1280, height: 720, inputSide: 192, still: false).isEmpty)
        #expect(BlazeFaceDetector.tiles(width: 4000, height: 767, inputSide: 192, still: false).isEmpty)
        #expect(BlazeFaceDetector.tiles(width: 1920, height: 1080, inputSide: 192, still: false).count == 4)
        #expect(BlazeFaceDetector.tiles(width: 500, height: 287, inputSide: 192, still: true).isEmpty)
        #expect(
            BlazeFaceDetector.tiles(width: 500, height: 375, inputSide: 192, still: true) == [
                PixelRect(x: 0, y: 0, width: 300, height: 225), PixelRect(x: 200, y: 0, width: 300, height: 225),
                PixelRect(x: 0, y: 150, width: 300, height: 225), PixelRect(x: 200, y: 150, width: 300, height: 225)
            ])
        let tiles = BlazeFaceDetector.tiles(width: 1986, height: 1545, inputSide: 192, still: false)
        #expect(
            tiles == [
                PixelRect(x: 0, y: 0, width: 1192, height: 927), PixelRect(x: 794, y: 0, width: 1192, height: 927),
                PixelRect(x: 0, y: 618, width: 1192, height: 927), PixelRect(x: 794, y: 618, width: 1192, height: 927)
            ])
    }

    /// The crowd photo: the tiles add the small faces and keep every face the whole frame gives.
    @Test(
        .enabled(
            if: (InstalledModels.blazeFaceFullRange != nil && FileManager.default.fileExists(atPath: sharedDataPath("faces"))) || runningInCI,
            "needs scripts/fetch-models.sh and ../shared/data/faces"))
    func aCrowdPhotoGetsItsSmallFacesWithoutLosingAny() throws {
        let detector = try BlazeFaceDetector(contentsOf: try #require(InstalledModels.blazeFaceFullRange))
        let image = try ImageDecoder().decodeRGB(contentsOf: sharedDataPath("faces/bald_guys.jpg"))
        let whole = detector.detect(image)
        let tiled = detector.detectTiled(image, still: true)
        #expect(tiled.count >= whole.count + 5, "\(whole.count) faces in the whole frame, \(tiled.count) with tiles")
        func overlap(_ a: LandmarkedFace, _ b: LandmarkedFace) -> Double {
            let w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x), h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
            guard w > 0, h > 0 else { return 0 }
            return w * h / (a.width * a.height + b.width * b.height - w * h)
        }
        for face in whole { #expect(tiled.contains { overlap($0, face) > 0.5 }, "lost \(face)") }
        // No two faces of the merged list are the same face.
        for (i, a) in tiled.enumerated() {
            for b in tiled[(i + 1)...] { #expect(overlap(a, b) < 0.3) }
        }
        #expect(tiled.allSatisfy { $0.keypoints.count == 6 && $0.score >= 0.5 })
    }
}
