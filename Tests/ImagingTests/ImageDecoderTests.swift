import Foundation
import TestSupport
import Testing

@testable import Imaging

/// PNG decoding and JPEG EXIF orientation against OpenCV 4's `imread`: the synthetic files under
/// Fixtures/formats and their expected gray images come from scripts/reference/make_format_golden.py.
@Suite("Image decoder: formats and orientation as OpenCV reads them")
struct ImageDecoderTests {
    struct Fixture: Decodable {
        struct File: Decodable {
            let file: String
            let width: Int
            let height: Int
            let gray_imread_sha256: String
            let gray_cvtcolor_sha256: String
            let orientation: Int?
        }
        let files: [File]
    }

    static let folder = repositoryRoot.appendingPathComponent("Tests/ImagingTests/Fixtures/formats")

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: folder.appendingPathComponent("opencv_formats.json")))
    }

    @Test("Every PNG kind and every EXIF orientation decodes to OpenCV's gray image")
    func matchesOpenCV() throws {
        let decoder = ImageDecoder()
        let files = try Self.fixture().files
        #expect(files.contains { $0.file.hasSuffix(".png") } && files.contains { $0.orientation == 6 })
        for file in files {
            let path = Self.folder.appendingPathComponent(file.file).path
            let weighted = try decoder.decodeGray(contentsOf: path, conversion: .rgbWeighted)
            #expect(weighted.width == file.width && weighted.height == file.height, "\(file.file)")
            #expect(sha256Hex(weighted.pixels) == file.gray_cvtcolor_sha256, "\(file.file): differs from cvtColor(imread)")
            if file.file.hasSuffix(".jpg") {
                // A JPEG's luma channel is what OpenCV's IMREAD_GRAYSCALE gives, turned the same way.
                let luma = try decoder.decodeGray(contentsOf: path, conversion: .luma)
                #expect(sha256Hex(luma.pixels) == file.gray_imread_sha256, "\(file.file): differs from imread(GRAYSCALE)")
            }
        }
    }

    @Test("Orientations 1 to 8 turn a 3x2 image the EXIF way")
    func orientations() {
        // a b c
        // d e f
        let image = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        let expected: [Int: (Int, Int, [UInt8])] = [
            1: (3, 2, [1, 2, 3, 4, 5, 6]), 2: (3, 2, [3, 2, 1, 6, 5, 4]), 3: (3, 2, [6, 5, 4, 3, 2, 1]),
            4: (3, 2, [4, 5, 6, 1, 2, 3]), 5: (2, 3, [1, 4, 2, 5, 3, 6]), 6: (2, 3, [4, 1, 5, 2, 6, 3]),
            7: (2, 3, [6, 3, 5, 2, 4, 1]), 8: (2, 3, [3, 6, 2, 5, 1, 4])
        ]
        for (orientation, (width, height, pixels)) in expected {
            let turned = image.applyingOrientation(orientation)
            #expect(turned.width == width && turned.height == height && turned.pixels == pixels, "orientation \(orientation)")
        }
    }

    @Test("Unknown formats, empty data and broken PNGs are clear errors")
    func badInput() throws {
        let decoder = ImageDecoder()
        #expect(throws: ImageError.unsupportedFormat(source: "x")) { try decoder.decodeGray(Data("GIF89a....".utf8), source: "x") }
        #expect(throws: ImageError.empty(source: "x")) { try decoder.decodeGray(Data(), source: "x") }
        let png = try #require(try Self.fixture().files.first { $0.file.hasSuffix(".png") })
        let whole = try Data(contentsOf: Self.folder.appendingPathComponent(png.file))
        // (A PNG cut only in its closing IEND chunk still decodes, as with OpenCV.)
        for length in [8, 20, whole.count / 3, whole.count / 2] {
            let error = #expect(throws: ImageError.self, "cut to \(length) bytes") {
                try decoder.decodeGray(whole.prefix(length), source: "cut.png")
            }
            #expect(error?.description.hasPrefix("cut.png: ") == true)
        }
        #expect(throws: ImageError.self) { try ImageDecoder(maxPixels: 10).decodeGray(whole, source: "big.png") }
    }
}
