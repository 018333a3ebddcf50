import Evaluation
import Foundation
import Results
import TestSupport
import Testing

@Suite struct LabelledFolderTests {
    @Test func unknownSubfoldersAreNamed() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        try writeFile("angry/a.jpg", in: root)
        try writeFile("smiling/b.jpg", in: root)
        try writeFile("7/c.jpg", in: root)
        try writeFile("happy/d.jpg", in: root)

        do throws(EvaluationError) {
            let folder = try LabelledFolder(root: root.path)
            Issue.record("listed \(folder.items.count) items despite unknown label folders")
        } catch {
            #expect(error == .unknownLabels(root: root.path, folders: ["7", "smiling"]))
            #expect(error.description.contains("'smiling'") && error.description.contains("'7'"))
            #expect(error.description.contains(root.path))
            #expect(!error.description.contains("'angry'"))
        }
    }

    @Test func noLabelFolders() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        #expect(throws: EvaluationError.noLabelFolders(root: root.path, files: 0)) {
            try LabelledFolder(root: root.path)
        }
        try writeFile("a.jpg", in: root)
        try writeFile("b.jpg", in: root)
        try writeFile(".hidden", in: root)
        #expect(throws: EvaluationError.noLabelFolders(root: root.path, files: 2)) {
            try LabelledFolder(root: root.path)
        }
        #expect(EvaluationError.noLabelFolders(root: root.path, files: 2).description.contains(root.path))
    }

    @Test func itemsInEmotionOrderWithFilesSorted() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        // Created out of order, with hidden entries and a loose file at the top.
        let layout: [Emotion: [String]] = [
            .neutral: ["n2.jpg", "n1.jpg"],
            .surprise: ["s.jpg"],
            .angry: ["b.jpg", "a.jpg", "C.jpg", "a10.jpg", "a2.jpg"],
            .sad: ["x.jpg"],
            .fear: ["f.jpg"],
            .happy: ["h3.jpg", "h1.jpg", "h2.jpg"]
        ]
        for (emotion, files) in layout {
            for file in files { try writeFile("\(emotion.rawValue)/\(file)", in: root) }
            try writeFile("\(emotion.rawValue)/.DS_Store", in: root)
        }
        try writeFile(".git/config", in: root)
        try writeFile("README.txt", in: root)

        let folder = try LabelledFolder(root: root.path)
        let expected = Emotion.allCases.flatMap { emotion in
            (layout[emotion] ?? []).sorted().map { (root.path + "/" + emotion.rawValue + "/" + $0, emotion) }
        }
        #expect(folder.root == root.path)
        #expect(folder.items.map(\.path) == expected.map(\.0))
        #expect(folder.items.map(\.label) == expected.map(\.1))
        #expect(!folder.items.contains { $0.path.contains("/.") }, "hidden files are skipped")
        // Labels never go backwards through the list.
        #expect(zip(folder.items, folder.items.dropFirst()).allSatisfy { $0.label <= $1.label })
        // No disgust folder: simply no disgust items.
        #expect(!folder.items.contains { $0.label == .disgust })
    }

    /// Label folders named in another case are still recognised.
    @Test func labelFolderNamesIgnoreCase() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        try writeFile("Happy/1.jpg", in: root)
        try writeFile("SAD/2.jpg", in: root)
        let folder = try LabelledFolder(root: root.path)
        #expect(folder.items.map(\.path) == [root.path + "/Happy/1.jpg", root.path + "/SAD/2.jpg"])
        #expect(folder.items.map(\.label) == [.happy, .sad])
    }

    @Test func notAFolder() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let file = try writeFile("file.jpg", in: root).path
        #expect(throws: EvaluationError.notAFolder(file)) { try LabelledFolder(root: file) }
        let missing = root.appendingPathComponent("missing").path
        #expect(throws: EvaluationError.notAFolder(missing)) { try LabelledFolder(root: missing) }
        #expect(EvaluationError.notAFolder(missing).description.contains(missing))
    }
}
