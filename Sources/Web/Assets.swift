import Foundation

/// The pages, stylesheet and OpenAPI document, served from the module's resources and read once
/// at start-up. Nothing is fetched from the internet: the pages use no external script or font.
struct Assets {
    struct File {
        let bytes: [UInt8]
        let contentType: String
    }

    private let directory: URL

    init() throws {
        guard let directory = Bundle.module.url(forResource: "Assets", withExtension: nil) else {
            throw APIError(.internalServerError, "the web assets are missing from the build")
        }
        self.directory = directory
    }

    func file(_ name: String) throws -> File {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let type =
            switch (name as NSString).pathExtension {
            case "html": "text/html; charset=utf-8"
            case "css": "text/css; charset=utf-8"
            case "json": "application/json"
            default: "application/octet-stream"
            }
        return File(bytes: [UInt8](data), contentType: type)
    }
}
