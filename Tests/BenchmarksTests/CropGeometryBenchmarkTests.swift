import Evaluation
import Foundation
import Imaging
import TestSupport
import Testing

@testable import Benchmarks

@Suite(
    "Pasted-face scenes for the crop comparison",
    .enabled(if: FileManager.default.fileExists(atPath: sharedDataPath("fer2013/publictest")) || runningInCI, "needs ../shared/data/fer2013"))
struct CropGeometryBenchmarkTests {
    @Test func scenesAreReproducibleAndTheirFacesAreApartInsideTheFrameWithTheirPixels() throws {
        let folder = try LabelledFolder(root: sharedDataPath("fer2013/publictest"))
        let first = try CropGeometryBenchmark(folder: folder, count: 12, seed: 7)
        let again = try CropGeometryBenchmark(folder: folder, count: 12, seed: 7)
        let other = try CropGeometryBenchmark(folder: folder, count: 12, seed: 8)
        #expect(first.scenes.count == 12)
        #expect(zip(first.scenes, again.scenes).allSatisfy { $0.image == $1.image && $0.faces.map(\.box) == $1.faces.map(\.box) })
        #expect(first.scenes[0].image != other.scenes[0].image)
        for scene in first.scenes {
            #expect((1...2).contains(scene.faces.count))
            #expect(scene.image.width == 640 && scene.image.height == 480)
            for (index, face) in scene.faces.enumerated() {
                #expect((100...250).contains(face.box.width) && face.box.width == face.box.height)
                #expect(face.box.x >= 0 && face.box.y >= 0 && face.box.x + face.box.width <= 640 && face.box.y + face.box.height <= 480)
                for other in scene.faces[(index + 1)...] { #expect(!CropGeometryBenchmark.overlaps(face.box, other.box, margin: 0)) }
            }
        }
    }

    @Test func theReportComparesCropsOnTheFacesEveryDetectorFound() {
        let rows = [
            CropGeometryBenchmark.Outcomes(crop: "all", rightness: [true, false, true, true]),
            CropGeometryBenchmark.Outcomes(crop: "some", rightness: [nil, true, true, nil])
        ]
        #expect(rows[0].found == 4 && rows[1].found == 2)
        #expect(rows[1].accuracy() == 0.5)
        let lines = CropGeometryBenchmark.report(rows)
        // Faces 1 and 2 were found by both: "all" got one of them, "some" both.
        #expect(lines[0].contains("right on  75.0% of all,  50.0% of the 2 every detector found"))
        #expect(lines[1].contains("found   2 of 4; right on  50.0% of all, 100.0% of the 2 every detector found"))
    }
}
