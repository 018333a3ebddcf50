import Foundation
import Testing

/// The repository root, found from this file's location (Tests/SharedTests/Support/).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The read-only shared test data beside the repository (`../shared/data`): FER2013 PublicTest
/// crops and face photos. Never copied into the repository.
let sharedData = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

let sharedDataAvailable = ["fer2013/publictest", "faces"].allSatisfy {
    FileManager.default.fileExists(atPath: sharedData.appendingPathComponent($0).path)
}

/// CI must run every test, so a missing prerequisite fails there instead of being skipped.
let runningInCI = ProcessInfo.processInfo.environment["CI"] != nil

extension Trait where Self == ConditionTrait {
    /// Runs when ../shared/data is present, and always under CI.
    static var needsSharedData: Self {
        .enabled(if: sharedDataAvailable || runningInCI,
                 "needs ../shared/data (FER2013 and face photos); see shared/data/README.md")
    }
}

/// The path of a file of the shared data, given relative to `shared/data`.
func sharedDataPath(_ relative: String) -> String {
    sharedData.appendingPathComponent(relative).path
}

/// The sorted `.jpg` files of one FER2013 PublicTest label folder, as absolute paths.
func ferImages(_ label: String) throws -> [String] {
    let folder = sharedData.appendingPathComponent("fer2013/publictest/\(label)")
    return try FileManager.default.contentsOfDirectory(atPath: folder.path)
        .filter { $0.lowercased().hasSuffix(".jpg") }
        .sorted()
        .map { folder.appendingPathComponent($0).path }
}

/// A fresh, empty temporary folder; removed by `removeTemporaryFolder`.
func makeTemporaryFolder(_ function: String = #function) throws -> URL {
    let name = "moodwire-sharedtests-" + function.filter { $0.isLetter || $0.isNumber } + "-" + UUID().uuidString
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func removeTemporaryFolder(_ url: URL) {
    try? FileManager.default.removeItem(at: url)
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
        let url = try #require(Bundle.module.url(forResource: "opencv_images", withExtension: "json",
                                                 subdirectory: "Fixtures"),
                               "Fixtures/opencv_images.json missing from the SharedTests bundle")
        return try JSONDecoder().decode(OpenCVImageFixture.self, from: Data(contentsOf: url))
    }
}
