import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct JPEGDecoderTests {
    /// Every decode of the OpenCV fixture: same size, and the same bytes as
    /// cv2.imread(path, IMREAD_GRAYSCALE) (compared through their SHA-256).
    @Test(.needsSharedData("fer2013/publictest", "faces")) func decodesLikeOpenCVImreadGrayscale() throws {
        let fixture = try OpenCVImageFixture.load()
        try #require(!fixture.decodes.isEmpty, "the fixture lists no decodes")
        let decoder = JPEGDecoder()
        for entry in fixture.decodes {
            let image: GrayImage
            do {
                image = try decoder.decodeGray(contentsOf: sharedDataPath(entry.path))
            } catch {
                Issue.record("\(entry.path): \(error)")
                continue
            }
            #expect(
                image.width == entry.width && image.height == entry.height,
                "\(entry.path): decoded \(image.width)x\(image.height), OpenCV \(entry.width)x\(entry.height)")
            #expect(
                sha256Hex(image.pixels) == entry.sha256,
                "\(entry.path): pixel bytes differ from OpenCV's IMREAD_GRAYSCALE decode")
        }
    }

    /// Decoding bytes in memory gives the same image as decoding the file.
    @Test(.needsSharedData("fer2013/publictest", "faces")) func dataAndFileDecodesAgree() throws {
        let path = sharedDataPath("faces/2008_001009.jpg")
        let decoder = JPEGDecoder()
        let fromFile = try decoder.decodeGray(contentsOf: path)
        let fromData = try decoder.decodeGray(Data(contentsOf: URL(fileURLWithPath: path)), source: "upload-1")
        #expect(fromFile == fromData)
    }

    @Test func emptyDataIsEmpty() {
        #expect(throws: ImageError.empty(source: "upload-7")) {
            try JPEGDecoder().decodeGray(Data(), source: "upload-7")
        }
        #expect(ImageError.empty(source: "upload-7").description.contains("upload-7"))
    }

    @Test(
        arguments: [
            ("PNG signature", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]),
            ("text", Array("hello, this is not an image\n".utf8)),
            ("JPEG start marker only", [0xFF, 0xD8]),
            ("one byte", [0xFF])
        ] as [(String, [UInt8])])
    func nonJPEGBytesAreUnsupported(kind: String, bytes: [UInt8]) {
        let source = "/tmp/\(kind.filter(\.isLetter)).jpg"
        #expect(throws: ImageError.unsupportedFormat(source: source), "\(kind)") {
            try JPEGDecoder().decodeGray(Data(bytes), source: source)
        }
        #expect(ImageError.unsupportedFormat(source: source).description.contains(source))
    }

    /// A real JPEG cut to half its length is reported as corrupt, never decoded or crashed on; so
    /// are other cuts inside the image data, and cuts inside the headers fail cleanly.
    @Test(.needsSharedData("fer2013/publictest", "faces"), arguments: ["fer2013/publictest/happy", "faces"])
    func truncatedJPEGIsCorrupt(folder: String) throws {
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: sharedDataPath(folder))
                .filter { $0.hasSuffix(".jpg") }.sorted().first, "no JPEG in \(folder)")
        let whole = try Data(contentsOf: URL(fileURLWithPath: sharedDataPath(folder + "/" + name)))
        let decoder = JPEGDecoder()
        let source = "\(folder)/\(name) (truncated)"
        let half = whole.prefix(whole.count / 2)
        do throws(ImageError) {
            let image = try decoder.decodeGray(half, source: source)
            Issue.record("\(source): half of the file decoded to \(image.width)x\(image.height) instead of failing")
        } catch {
            guard case let .corrupt(errorSource, reason, _) = error else {
                Issue.record("\(source): expected .corrupt, got \(error)")
                return
            }
            #expect(errorSource == source)
            #expect(!reason.isEmpty)
            #expect(error.description.contains(source))
        }
        // Cuts inside the image data are corrupt too.
        for length in [whole.count / 4, whole.count * 3 / 4, whole.count - 100] {
            let error = #expect(throws: ImageError.self, "cut to \(length) of \(whole.count) bytes") {
                try JPEGDecoder().decodeGray(whole.prefix(length), source: source)
            }
            if let error, case .corrupt = error {
            } else if let error {
                Issue.record("cut to \(length) of \(whole.count) bytes: expected .corrupt, got \(error)")
            }
        }
        // Cuts inside the headers are corrupt as well (TurboJPEG reads a header that ends before
        // the frame as a tables-only stream with 0x0 dimensions; the decoder reports it as such).
        for length in [3, 4, 20, 100] {
            let error = #expect(throws: ImageError.self, "cut to \(length) bytes") {
                try JPEGDecoder().decodeGray(whole.prefix(length), source: source)
            }
            if let error, case .corrupt = error {
            } else if let error {
                Issue.record("cut to \(length) bytes: expected .corrupt, got \(error)")
            }
        }
    }

    /// A failed decode must not spoil the next one: `Evaluator` and the classifier reuse one decoder
    /// for a whole folder. The hardest case is a file cut between the frame header (SOF) and the
    /// scan header (SOS), which fails inside TurboJPEG's header read.
    @Test(.needsSharedData("fer2013/publictest", "faces"), arguments: ["fer2013/publictest/happy", "faces"])
    func decoderRecoversAfterAFailure(folder: String) throws {
        let name = try #require(
            try FileManager.default.contentsOfDirectory(atPath: sharedDataPath(folder))
                .filter { $0.hasSuffix(".jpg") }.sorted().first, "no JPEG in \(folder)")
        let path = sharedDataPath(folder + "/" + name)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let expected = try JPEGDecoder().decodeGray(whole, source: path)
        let scanStart = try #require(markerOffset(0xDA, in: [UInt8](whole)), "\(name) has no SOS marker")

        let decoder = JPEGDecoder()
        for cut in [whole.count / 2, 3] {  // inside the scan, inside the first header segment
            #expect(throws: ImageError.self) { try decoder.decodeGray(whole.prefix(cut), source: "cut") }
            #expect(try decoder.decodeGray(whole, source: path) == expected, "after a cut to \(cut) bytes")
        }

        // TurboJPEG leaves its handle half-used after failing inside a header read; the decoder
        // must still decode the next valid file.
        #expect(throws: ImageError.self) { try decoder.decodeGray(whole.prefix(scanStart), source: "cut") }
        #expect(try decoder.decodeGray(whole, source: path) == expected)
        #expect(try decoder.decodeGray(whole, source: path) == expected)
    }

    /// The offset of the first segment with `marker` (0xFF, marker), walking the JPEG header
    /// segments from the start-of-image marker.
    private func markerOffset(_ marker: UInt8, in bytes: [UInt8]) -> Int? {
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            if bytes[offset + 1] == marker { return offset }
            offset += 2 + (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]))
        }
        return nil
    }

    /// An image over `maxPixels` is refused by its header, and one exactly at the cap is not.
    @Test(.needsSharedData("fer2013/publictest", "faces")) func imageOverPixelCapHasBadDimensions() throws {
        let path = try #require(try ferImages("happy").first)
        let size = try JPEGDecoder().decodeGray(contentsOf: path)
        #expect(size.width == 48 && size.height == 48, "FER2013 crops are 48x48")
        #expect(throws: ImageError.badDimensions(source: path, width: 48, height: 48, maxPixels: 100)) {
            try JPEGDecoder(maxPixels: 100).decodeGray(contentsOf: path)
        }
        #expect(throws: ImageError.badDimensions(source: path, width: 48, height: 48, maxPixels: 48 * 48 - 1)) {
            try JPEGDecoder(maxPixels: 48 * 48 - 1).decodeGray(contentsOf: path)
        }
        #expect(try JPEGDecoder(maxPixels: 48 * 48).decodeGray(contentsOf: path) == size)

        let description = ImageError.badDimensions(source: path, width: 48, height: 48, maxPixels: 100).description
        #expect(description.contains(path) && description.contains("48x48") && description.contains("100"))
    }

    @Test func missingFileIsUnreadable() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let path = folder.appendingPathComponent("no such face.jpg").path
        do throws(ImageError) {
            let image = try JPEGDecoder().decodeGray(contentsOf: path)
            Issue.record("decoded a missing file to \(image.width)x\(image.height)")
        } catch {
            guard case let .unreadableFile(errorPath, errno) = error else {
                Issue.record("expected .unreadableFile, got \(error)")
                return
            }
            #expect(errorPath == path)
            #expect(error.description.contains(path))
            #expect(errno == ENOENT, "errno \(errno) for a missing file")
            #expect(error.description.contains(String(cString: strerror(ENOENT))), "\(error)")
        }
    }

    @Test func folderIsUnreadable() throws {
        let folder = try makeTemporaryFolder()
        defer { removeTemporaryFolder(folder) }
        let error = #expect(throws: ImageError.self) { try JPEGDecoder().decodeGray(contentsOf: folder.path) }
        if let error, case let .unreadableFile(path, _) = error {
            #expect(path == folder.path)
        } else if let error {
            Issue.record("expected .unreadableFile, got \(error)")
        }
    }

    /// Every error names its input.
    @Test func errorDescriptionsNameTheSource() {
        let source = "camera-3/frame 0042.jpg"
        let errors: [ImageError] = [
            .unreadableFile(path: source, errno: EACCES),
            .empty(source: source),
            .unsupportedFormat(source: source),
            .corrupt(source: source, reason: "Premature end of JPEG file", code: 1),
            .badDimensions(source: source, width: 0, height: 12, maxPixels: 100),
            .badDimensions(source: source, width: 20_000, height: 20_000, maxPixels: 50_000_000)
        ]
        for error in errors {
            #expect(error.description.hasPrefix(source + ": "), "\(error)")
        }
        #expect(
            ImageError.corrupt(source: source, reason: "Premature end of JPEG file", code: 1).description
                .contains("Premature end of JPEG file"))
        #expect(
            ImageError.badDimensions(source: source, width: 0, height: 12, maxPixels: 100).description
                .contains("0x12"))
    }
}
