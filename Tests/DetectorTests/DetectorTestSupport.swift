import Foundation
import Shared

enum DetectorTestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let sharedData = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data").path
    static let fixture = repositoryRoot.appendingPathComponent("Tests/DetectorTests/Fixtures/opencv_faces.json")
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil
    static var cascadePath: String? {
        try? ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(ModelStore.faceCascade)
    }
    static var ready: Bool { cascadePath != nil && FileManager.default.fileExists(atPath: sharedData + "/faces") }
}
