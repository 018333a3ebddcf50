import Foundation
import TestSupport
import Testing

/// The sorted `.jpg` files of one FER2013 PublicTest label folder, as absolute paths.
func ferImages(_ label: String) throws -> [String] {
    let folder = sharedData.appendingPathComponent("fer2013/publictest/\(label)")
    return try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.lowercased().hasSuffix(".jpg") }
        .sorted()
        .map { folder.appendingPathComponent($0).path }
}

/// The OpenCV reference outputs written by scripts/reference/make_image_golden.py.
struct OpenCVImageFixture: Decodable {
    struct Decode: Decodable {
        let path: String
        let width: Int
        let height: Int
        let sha256: String
    }

    struct Crop: Decodable {
        let x, y, w, h: Int
    }

    struct Resize: Decodable {
        let path: String
        let crop: Crop?
        let width: Int
        let height: Int
        /// Base64 of the row-major uint8 output of cv2.resize.
        let pixels: String
        let sourceWidth: Int
        let sourceHeight: Int

        enum CodingKeys: String, CodingKey {
            case path, crop, width, height, pixels
            case sourceWidth = "source_width", sourceHeight = "source_height"
        }
    }

    let generator: String
    let decodes: [Decode]
    let resizes: [Resize]

    /// Reads the fixture from the test bundle's copied `Fixtures` folder.
    static func load() throws -> OpenCVImageFixture {
        let url = try #require(
            Bundle.module.url(
                forResource: "opencv_images", withExtension: "json",
                subdirectory: "Fixtures"),
            "Fixtures/opencv_images.json missing from the ImagingTests bundle")
        return try JSONDecoder().decode(OpenCVImageFixture.self, from: Data(contentsOf: url))
    }
}
