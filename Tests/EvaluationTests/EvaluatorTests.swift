import EmotionClassification
import Evaluation
import Foundation
import Imaging
import Results
import TestSupport
import Testing

/// End to end on real FER2013 images with the real model: a small labelled folder with two
/// unreadable files among the images, classified in batches of a few faces.
@Suite(.needsSharedData("fer2013/publictest", "faces"), .needsEmotionModel) struct EvaluatorTests {
    private static let perLabel = 2
    /// Small, so that batches end in the middle of a label and the bad files fall inside one.
    private static let maxBatch = 4

    /// The temporary labelled folder: `perLabel` real images per label, a JPEG cut in half and a
    /// text file named .jpg.
    private struct Fixture {
        let root: URL
        let readable: [(path: String, label: Emotion)]
        let corrupt: String
        let notJPEG: String
    }

    private func makeFixture() throws -> Fixture {
        let root = try makeTemporaryFolder()
        var readable: [(path: String, label: Emotion)] = []
        for emotion in Emotion.allCases {
            let sources = try ferImages(emotion).prefix(Self.perLabel)
            try #require(sources.count == Self.perLabel, "fer2013/publictest/\(emotion) has too few images")
            let folder = root.appendingPathComponent(emotion.rawValue)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for source in sources {
                let target = folder.appendingPathComponent(URL(fileURLWithPath: source).lastPathComponent)
                try FileManager.default.copyItem(atPath: source, toPath: target.path)
                readable.append((target.path, emotion))
            }
        }
        // Sorts first in happy/, so it sits inside a batch, after fear's images.
        let whole = try Data(contentsOf: URL(fileURLWithPath: try ferImages(.happy)[Self.perLabel]))
        let corrupt = try writeFile("happy/PublicTest_0_cut.jpg", in: root, contents: whole.prefix(whole.count / 2))
        let notJPEG = try writeFile("sad/notes.jpg", in: root, contents: Data("not a face, just notes\n".utf8))
        return Fixture(root: root, readable: readable, corrupt: corrupt.path, notJPEG: notJPEG.path)
    }

    private func classifier(maxBatch: Int) throws -> EmotionClassifier {
        try EmotionClassifier(modelPath: #require(InstalledModels.emotionModel), maxBatch: maxBatch, threads: 1)
    }

    /// The matrix from classifying each readable image on its own: what batching must not change.
    private func oneByOne(_ items: [(path: String, label: Emotion)], flipAveraged: Bool) throws -> ConfusionMatrix {
        let single = try classifier(maxBatch: flipAveraged ? 2 : 1)
        let decoder = JPEGDecoder()
        var matrix = ConfusionMatrix()
        for item in items {
            let face = try decoder.decodeGray(contentsOf: item.path)
            let scores = try #require(single.classify([face], flipAveraged: flipAveraged).first)
            matrix.record(truth: item.label, prediction: scores.top)
        }
        return matrix
    }

    @Test(arguments: [false, true])
    func unreadableImagesAreReportedAndNotCounted(flipAveraged: Bool) throws {
        let fixture = try makeFixture()
        defer { removeTemporaryFolder(fixture.root) }
        let folder = try LabelledFolder(root: fixture.root.path)
        #expect(folder.items.count == fixture.readable.count + 2)

        let evaluator = Evaluator(classifier: try classifier(maxBatch: Self.maxBatch))
        var progress: [(done: Int, failed: Int)] = []
        let result = evaluator.evaluate(folder, flipAveraged: flipAveraged) { progress.append(($0, $1)) }

        #expect(result.root == fixture.root.path)
        #expect(result.flipAveraged == flipAveraged)
        #expect(Set(result.failures.map(\.path)) == [fixture.corrupt, fixture.notJPEG])
        #expect(result.failures.count == 2)
        for failure in result.failures {
            #expect(failure.reason.hasPrefix(failure.path + ": "), "\(failure.reason)")
        }
        #expect(
            result.failures.first { $0.path == fixture.notJPEG }?.reason
                == ImageError.unsupportedFormat(source: fixture.notJPEG).description)
        #expect(result.failures.first { $0.path == fixture.corrupt }?.reason.contains("corrupt") == true)

        // Only the readable images are counted, each under its own label.
        #expect(result.matrix.total == fixture.readable.count)
        for emotion in Emotion.allCases {
            #expect(result.matrix.support(emotion) == Self.perLabel, "support of \(emotion)")
        }
        // Batching (with failures inside a batch) gives what one face at a time gives.
        #expect(result.matrix == (try oneByOne(fixture.readable, flipAveraged: flipAveraged)))

        // Progress after every batch, ending with every item and both failures.
        let facesPerBatch = flipAveraged ? Self.maxBatch / 2 : Self.maxBatch
        let batches = (folder.items.count + facesPerBatch - 1) / facesPerBatch
        #expect(progress.count == batches)
        #expect(progress.last?.done == folder.items.count && progress.last?.failed == 2)
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0.done < $1.done && $0.failed <= $1.failed })

        // The reports carry the failures and count only the readable images.
        let object = try JSONSerialization.jsonObject(with: Data(EvaluationReport.json(result).utf8))
        let json = try #require(object as? [String: Any])
        #expect(json["count"] as? Int == fixture.readable.count)
        #expect(json["flip_average"] as? Bool == flipAveraged)
        let failed = try #require(json["failed"] as? [[String: String]])
        #expect(Set(failed.compactMap { $0["path"] }) == [fixture.corrupt, fixture.notJPEG])
        let text = EvaluationReport.text(result)
        #expect(text.contains("2 unreadable images skipped"))
        #expect(text.contains(fixture.notJPEG) && text.contains(fixture.corrupt))
    }

    /// A bad file costs only itself, whichever way it is broken: here a JPEG cut between its frame
    /// header and its scan header, which fails inside TurboJPEG's header read, followed by good
    /// images decoded with the same (reused) decoder.
    @Test func badFileDoesNotSpoilTheNextImage() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let sources = try ferImages(.happy).prefix(3)
        try #require(sources.count == 3)
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sources[sources.startIndex + 2])))
        let scanStart = try #require(markerOffset(0xDA, in: whole), "no SOS marker")
        let cut = try writeFile("happy/PublicTest_0_cut.jpg", in: root, contents: Data(whole.prefix(scanStart)))
        for source in sources.prefix(2) {
            try FileManager.default.copyItem(
                atPath: source, toPath: root.appendingPathComponent("happy/" + URL(fileURLWithPath: source).lastPathComponent).path)
        }

        let result = Evaluator(classifier: try classifier(maxBatch: Self.maxBatch))
            .evaluate(try LabelledFolder(root: root.path))
        #expect(result.failures.first?.path == cut.path)
        // The cut file must not spoil the image decoded after it.
        #expect(result.failures.map(\.path) == [cut.path], "\(result.failures.map(\.reason))")
        #expect(result.matrix.total == 2)
    }

    /// The offset of the first segment with `marker`, walking the JPEG header segments.
    private func markerOffset(_ marker: UInt8, in bytes: [UInt8]) -> Int? {
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            if bytes[offset + 1] == marker { return offset }
            offset += 2 + (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
        }
        return nil
    }
}
