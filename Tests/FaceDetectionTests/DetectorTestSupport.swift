import Foundation
import TestSupport

enum DetectorTestSupport {
    static let fixture = repositoryRoot.appendingPathComponent("Tests/FaceDetectionTests/Fixtures/opencv_faces.json")
    static var ready: Bool {
        InstalledModels.faceCascade != nil && FileManager.default.fileExists(atPath: sharedDataPath("faces"))
    }
}
