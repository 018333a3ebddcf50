import Foundation
import TestSupport
import Testing

@testable import Imaging
@testable import Ingest

@Suite("Image list sources: folders, globs, single images")
struct ImageListSourceTests {
    @Test("A folder's images come sorted by name, as their file bytes; other files are skipped and counted")
    func folderOrder() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        // Written out of order; "10" sorts before "a" byte by byte.
        let files: [(String, [UInt8])] = [
            ("b.jpg", try makeJPEG(width: 16, height: 8, seed: 1)),
            ("a.png", makePNG(width: 5, height: 7)),
            ("noextension", try makeJPEG(width: 9, height: 9, seed: 2)),
            ("10.jpg", try makeJPEG(width: 12, height: 10, seed: 3)),
            ("notes.txt", Array("not an image".utf8)),
            ("fake.jpg", Array("GIF89a".utf8)),
            (".hidden.jpg", try makeJPEG(width: 8, height: 8)),
            ("sub/c.jpg", try makeJPEG(width: 8, height: 8))
        ]
        for (name, bytes) in files { try writeFile(name, in: root, bytes) }

        var source = try ImageListSource(name: "lobby", folder: root.path)
        #expect(source.paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["10.jpg", "a.png", "b.jpg", "noextension"])
        #expect(source.expectedFrameCount == 4)
        #expect(source.skippedCount == 2)  // notes.txt and fake.jpg; hidden files and subfolders are not candidates

        let frames = try readAll(&source)
        #expect(frames.map(\.seq) == [0, 1, 2, 3])
        #expect(frames.map { [$0.width, $0.height] } == [[12, 10], [5, 7], [16, 8], [9, 9]])
        for (frame, path) in zip(frames, source.paths) { #expect(frame.image == (try readFile(path))) }
        #expect(try source.next() == nil)
        #expect(try source.next() == nil)
    }

    @Test("Glob patterns match the last path component as fnmatch does")
    func globMatching() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        for name in ["img1.jpg", "img2.jpg", "img10.jpg", "other.jpg", "img3.png"] {
            try writeFile(name, in: root, name.hasSuffix(".png") ? makePNG(width: 2, height: 2) : try makeJPEG(width: 8, height: 8))
        }
        try writeFile("imgA.txt", in: root, Array("text".utf8))

        func matches(_ pattern: String) throws -> (names: [String], skipped: Int) {
            let source = try ImageListSource(name: "g", glob: root.path + "/" + pattern)
            return (source.paths.map { URL(fileURLWithPath: $0).lastPathComponent }, source.skippedCount)
        }
        #expect(try matches("img?.jpg").names == ["img1.jpg", "img2.jpg"])
        #expect(try matches("[io]*.jpg").names == ["img1.jpg", "img10.jpg", "img2.jpg", "other.jpg"])
        #expect(try matches("*.png").names == ["img3.png"])
        #expect(try matches("[!o]*.jpg").names == ["img1.jpg", "img10.jpg", "img2.jpg"])
        let all = try matches("img*")
        #expect(all.names == ["img1.jpg", "img10.jpg", "img2.jpg", "img3.png"])
        #expect(all.skipped == 1)

        let pattern = root.path + "/*.gif"
        #expect(ingestError { _ = try ImageListSource(name: "g", glob: pattern) } == .noMatches(source: "g", pattern: pattern, skipped: 0))
        #expect(
            ingestError { _ = try ImageListSource(name: "g", glob: root.path + "/*.txt") }
                == .noMatches(source: "g", pattern: root.path + "/*.txt", skipped: 1))
    }

    @Test("A single image gives one frame and ends")
    func singleImage() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let bytes = try makeJPEG(width: 31, height: 17)
        let path = try writeFile("one.jpg", in: root, bytes)

        let before = SourceFrame.now()
        var source = try SourceSpec.parse(path).open()
        let frame = try #require(try source.next())
        let after = SourceFrame.now()
        #expect(frame.seq == 0)
        #expect(frame.image == bytes)
        #expect(frame.width == 31 && frame.height == 17)
        #expect((before...after).contains(frame.capturedAt))
        #expect(try source.next() == nil)
        #expect(source.expectedFrameCount == 1)
    }

    @Test("Looping repeats the list with seq numbers still increasing")
    func looping() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let images = try (0..<3).map { try makeJPEG(width: 8, height: 8, seed: $0) }
        for (i, bytes) in images.enumerated() { try writeFile("f\(i).jpg", in: root, bytes) }

        var source = try ImageListSource(name: "loop", folder: root.path, loop: true)
        let frames = try readAll(&source, limit: 8)
        #expect(frames.map(\.seq) == Array(0..<8))
        #expect(frames.map(\.image) == (0..<8).map { images[$0 % 3] })
        #expect(source.expectedFrameCount == 3)
    }

    @Test("JPEG sizes are upright: EXIF orientations 5 to 8 swap the stored sides", arguments: 1...8)
    func exifOrientation(orientation: Int) throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let bytes = withExifOrientation(try makeJPEG(width: 40, height: 24), UInt8(orientation))
        let path = try writeFile("turned.jpg", in: root, bytes)

        var source = try ImageListSource(name: "exif", paths: [path])
        let frame = try #require(try source.next())
        let quarterTurn = orientation >= 5
        #expect(frame.width == (quarterTurn ? 24 : 40))
        #expect(frame.height == (quarterTurn ? 40 : 24))
        // The size the detector's decoder will see.
        let decoded = try ImageDecoder().decodeGray(Data(frame.image), source: path)
        #expect(decoded.width == frame.width && decoded.height == frame.height)
    }

    @Test("PNG stills are sent as their file bytes with the size from IHDR")
    func pngStill() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let bytes = makePNG(width: 300, height: 250)
        let path = try writeFile("still.png", in: root, bytes)

        var source = try ImageListSource(name: "png", paths: [path])
        let frame = try #require(try source.next())
        #expect(frame.image == bytes)
        #expect(frame.width == 300 && frame.height == 250)
        let decoded = try ImageDecoder().decodeGray(Data(frame.image), source: path)
        #expect(decoded.width == 300 && decoded.height == 250)
    }

    @Test("A file that vanished or broke after listing is skipped and counted; the others still come")
    func skipsBadFilesWhileReading() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        for name in ["a.jpg", "b.jpg", "c.jpg", "d.jpg"] { try writeFile(name, in: root, try makeJPEG(width: 8, height: 8)) }
        var source = try ImageListSource(name: "shaky", folder: root.path)
        try FileManager.default.removeItem(at: root.appendingPathComponent("b.jpg"))
        // Still starts like a JPEG, but the header is cut short.
        try writeFile("c.jpg", in: root, [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A])

        let frames = try readAll(&source)
        #expect(frames.map(\.seq) == [0, 1])
        #expect(
            frames.map(\.image) == [
                try readFile(root.appendingPathComponent("a.jpg").path),
                try readFile(root.appendingPathComponent("d.jpg").path)
            ])
        #expect(source.skippedCount == 2)
    }

    @Test("A pass without a single readable image is an error, also when looping")
    func nothingReadable() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let path = try writeFile("gone.jpg", in: root, try makeJPEG(width: 8, height: 8))
        var source = try SourceSpec.parse(path).open(SourceOptions(loop: true))
        try FileManager.default.removeItem(atPath: path)

        let error = ingestError { _ = try source.next() }
        #expect(error == .noReadableImages(source: "gone.jpg", skipped: 1))
    }

    @Test("An empty folder, or one without images, is an error naming it")
    func emptyFolder() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        #expect(
            ingestError { _ = try ImageListSource(name: "empty", folder: root.path) }
                == .noImages(source: "empty", folder: root.path, skipped: 0))
        try writeFile("readme.txt", in: root, Array("hello".utf8))
        let error = try #require(ingestError { _ = try SourceSpec.parse("docs=" + root.path).open() })
        #expect(error == .noImages(source: "docs", folder: root.path, skipped: 1))
        #expect(error.description == "source docs: the folder \(root.path) has no JPEG or PNG images (1 other file skipped)")
    }

    @Test("The face photos folder lists its JPEGs with the sizes the decoder sees", .needsSharedFaces)
    func sharedFacePhotos() throws {
        var source = try SourceSpec.parse(sharedFaces.path).open()
        let jpegs = try FileManager.default.contentsOfDirectory(atPath: sharedFaces.path).filter { $0.hasSuffix(".jpg") }.sorted()
        #expect(source.name == "faces")
        #expect(source.expectedFrameCount == jpegs.count)

        let frames = try readAll(&source)
        #expect(frames.count == jpegs.count)
        let decoder = ImageDecoder()
        for (frame, name) in zip(frames, jpegs) {
            let decoded = try decoder.decodeGray(contentsOf: sharedFaces.appendingPathComponent(name).path)
            #expect(frame.width == decoded.width && frame.height == decoded.height, "\(name)")
        }
    }
}
