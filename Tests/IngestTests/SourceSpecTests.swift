import Foundation
import TestSupport
import Testing

@testable import Ingest

@Suite("Source specs: parsing, kinds, names")
struct SourceSpecTests {
    @Test("A folder is a folder source named after its last path component, with or without a trailing slash")
    func folder() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        try writeFile("frames/a.jpg", in: root, try makeJPEG(width: 8, height: 8))
        let path = root.appendingPathComponent("frames").path

        let spec = try SourceSpec.parse(path)
        #expect(spec.name == "frames")
        #expect(spec.kind == .folder(path: path))
        #expect(try SourceSpec.parse(path + "/").name == "frames")
        #expect(try SourceSpec.parse(path + "/../frames").name == "frames")
    }

    @Test("A file is an image or a video by its content, not its extension")
    func kindByContent() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let jpegWithoutExtension = try writeFile("photo.dat", in: root, try makeJPEG(width: 8, height: 8))
        let png = try writeFile("still.bin", in: root, makePNG(width: 4, height: 3))
        let textNamedJPEG = try writeFile("clip.jpg", in: root, Array("not an image".utf8))

        #expect(try SourceSpec.parse(jpegWithoutExtension) == SourceSpec(name: "photo.dat", kind: .image(path: jpegWithoutExtension)))
        #expect(try SourceSpec.parse(png).kind == .image(path: png))
        #expect(try SourceSpec.parse(textNamedJPEG).kind == .video(path: textNamedJPEG))
    }

    @Test("NAME=PATH names the source; an = after a slash belongs to the path")
    func explicitName() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let image = try writeFile("a=b.jpg", in: root, try makeJPEG(width: 8, height: 8))

        let named = try SourceSpec.parse("door camera=\(image)")
        #expect(named.name == "door camera")
        #expect(named.kind == .image(path: image))
        // The text before the first "=" holds a "/": it is all path, named by its file name.
        #expect(try SourceSpec.parse(image) == SourceSpec(name: "a=b.jpg", kind: .image(path: image)))
        // The first "=" splits: the rest is the path.
        #expect(ingestError { _ = try SourceSpec.parse("x=y=\(image)") } == .missingPath(source: "x", path: "y=\(image)"))
    }

    @Test("A missing path with wildcards in its last component is a glob named folder/pattern")
    func glob() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        try writeFile("faces/a.jpg", in: root, try makeJPEG(width: 8, height: 8))
        for pattern in ["*.jpg", "?.jpg", "[ab].jpg"] {
            let text = root.appendingPathComponent("faces").path + "/" + pattern
            let spec = try SourceSpec.parse(text)
            #expect(spec.kind == .glob(pattern: text))
            #expect(spec.name == "faces/" + pattern)
        }
        // Wildcards in a missing folder: the folder is what is missing.
        let missingFolder = root.appendingPathComponent("nowhere").path
        #expect(
            ingestError { _ = try SourceSpec.parse(missingFolder + "/*.jpg") }
                == .missingPath(source: missingFolder + "/*.jpg", path: missingFolder))
    }

    @Test(
        "Live URLs are live sources named by host and path, without credentials",
        arguments: [
            ("rtsp://camera.local/stream1", "camera.local/stream1"),
            ("RTSPS://admin:s3cret@camera.local:322/s/", "camera.local:322/s"),
            ("http://host/video.mjpg", "host/video.mjpg"),
            ("https://host/live?token=a=b", "host/live"),
            ("v4l2:/dev/video0", "video0")
        ])
    func liveSources(url: String, name: String) throws {
        let spec = try SourceSpec.parse(url)
        #expect(spec.kind == .live(url: LiveURL(url)))
        #expect(spec.name == name)
        #expect(!spec.description.contains("s3cret"))

        let named = try SourceSpec.parse("door=" + url)
        #expect(named.name == "door")
        #expect(named.kind == .live(url: LiveURL(url)))
    }

    @Test("Other URL schemes, empty text and a missing name are spec errors")
    func invalidSpecs() {
        #expect(ingestError { _ = try SourceSpec.parse("") } == .invalidSpec("", reason: "empty source, expected [NAME=]PATH_OR_URL"))
        #expect(ingestError { _ = try SourceSpec.parse("cam=") } == .invalidSpec("cam=", reason: "no path or URL after the name"))
        guard case .invalidSpec(_, let reason) = ingestError({ _ = try SourceSpec.parse("ftp://host/clip.mp4") }) else {
            Issue.record("ftp:// was not refused as a spec error")
            return
        }
        #expect(reason.contains("unsupported URL scheme \"ftp\""))
    }

    @Test("A missing path, a device and an unreadable path are reported with the source")
    func fileSystemErrors() throws {
        let missing = "/nonexistent/moodwire/clip.mp4"
        let error = try #require(ingestError { _ = try SourceSpec.parse("lobby=" + missing) })
        #expect(error == .missingPath(source: "lobby", path: missing))
        #expect(error.description == "source lobby: /nonexistent/moodwire/clip.mp4 does not exist")

        let device = try #require(ingestError { _ = try SourceSpec.parse("/dev/null") })
        #expect(device == .unsupportedFileType(source: "/dev/null", path: "/dev/null"))
        #expect(device.description.contains("v4l2:/dev/null"))

        // A symbolic link to itself cannot be resolved, even by root.
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let loop = root.appendingPathComponent("loop.jpg").path
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        let unreadable = try #require(ingestError { _ = try SourceSpec.parse("cam=" + loop) })
        #expect(unreadable == .unreadable(source: "cam", path: loop, errno: ELOOP))
        #expect(unreadable.description == "source cam: cannot read \(loop) (Too many levels of symbolic links, errno \(ELOOP))")
    }

    @Test("Names are 1 to 255 UTF-8 bytes without control characters")
    func nameRules() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let image = try writeFile("a.jpg", in: root, try makeJPEG(width: 8, height: 8))

        #expect(try SourceSpec.parse(String(repeating: "n", count: 255) + "=" + image).name.utf8.count == 255)
        #expect(try SourceSpec.parse(String(repeating: "é", count: 127) + "=" + image).name.utf8.count == 254)
        for bad in ["", String(repeating: "n", count: 256), String(repeating: "é", count: 128), "cam\n1", "cam\u{7}", "tab\there", "c1\u{85}"] {
            guard case .invalidName(let name, _) = ingestError({ _ = try SourceSpec.parse(bad + "=" + image) }) else {
                Issue.record("name \(bad.debugDescription) was accepted")
                continue
            }
            #expect(name == bad)
        }
        #expect(
            ingestError { _ = try SourceSpec(name: "a\u{0}b", kind: .image(path: image)) }
                == .invalidName("a\u{0}b", reason: "a source name cannot contain control characters"))
    }

    @Test("A file name that is not a valid source name asks for NAME=")
    func invalidDefaultName() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let image = try writeFile("two\nlines.jpg", in: root, try makeJPEG(width: 8, height: 8))
        guard case .invalidName(let name, let reason) = ingestError({ _ = try SourceSpec.parse(image) }) else {
            Issue.record("a file name with a newline became a source name")
            return
        }
        #expect(name == "two\nlines.jpg")
        #expect(reason.contains("give the source a name with NAME="))
        #expect(try SourceSpec.parse("two lines=" + image).name == "two lines")
    }

    @Test("Duplicate names get -2, -3, … skipping names in use, in order, kinds kept")
    func uniqueNames() throws {
        let kinds: [SourceSpec.Kind] = (0..<6).map { .image(path: "/p\($0).jpg") }
        let names = ["a", "a", "b", "a", "a-2", "b"]
        let specs = try zip(names, kinds).map { try SourceSpec(name: $0, kind: $1) }

        let unique = SourceSpec.uniqueNames(specs)
        #expect(unique.map(\.name) == ["a", "a-3", "b", "a-4", "a-2", "b-2"])
        #expect(unique.map(\.kind) == kinds)
        #expect(SourceSpec.uniqueNames(unique) == unique)

        // A 255-byte name is shortened so that its suffix still fits the wire header.
        let long = String(repeating: "é", count: 127) + "x"
        let renamed = SourceSpec.uniqueNames([try SourceSpec(name: long, kind: kinds[0]), try SourceSpec(name: long, kind: kinds[1])])
        #expect(renamed[1].name == String(repeating: "é", count: 126) + "-2")
        #expect(renamed[1].name.utf8.count <= 255)
    }

    @Test("open() reads a folder, a glob and a single image as image lists")
    func openImages() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let a = try writeFile("faces/a.jpg", in: root, try makeJPEG(width: 8, height: 6))
        try writeFile("faces/b.png", in: root, makePNG(width: 5, height: 4))
        let folder = root.appendingPathComponent("faces").path

        var single = try SourceSpec.parse(a).open()
        #expect(single is ImageListSource)
        #expect(single.name == "a.jpg")
        #expect(try readAll(&single).map { [$0.width, $0.height] } == [[8, 6]])

        var all = try SourceSpec.parse("all=" + folder).open()
        #expect(all.name == "all")
        #expect(all.expectedFrameCount == 2)
        #expect(try readAll(&all).count == 2)

        var pngs = try SourceSpec.parse(folder + "/*.png").open(SourceOptions(loop: true))
        #expect(try readAll(&pngs, limit: 3).map(\.seq) == [0, 1, 2])
    }
}
