import CommandLineSupport
import Crypto
import Foundation
import Testing

/// The repository root, found from this file's location (Tests/TestSupport/).
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The read-only shared test data beside the repository (`../shared/data`): FER2013 Training and
/// PublicTest crops and annotated face photos. Never copied into the repository.
public let sharedData = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")

/// The path of a file or folder of the shared data, given relative to `shared/data`.
public func sharedDataPath(_ relative: String) -> String {
    sharedData.appendingPathComponent(relative).path
}

/// CI must run every test, so a missing prerequisite fails there instead of being skipped.
public let runningInCI = ProcessInfo.processInfo.environment["CI"] != nil

/// The installed model files, where every moodwire command finds them (nil when not installed).
public enum InstalledModels {
    public static var emotionModel: String? { locate(ModelStore.emotionModel) }
    public static var ferModel: String? { locate(ModelStore.ferModel) }
    public static var faceCascade: String? { locate(ModelStore.faceCascade) }
    public static var blazeFaceFullRange: String? { locate(ModelStore.blazeFaceFullRange) }
    public static var blazeFaceShortRange: String? { locate(ModelStore.blazeFaceShortRange) }

    private static func locate(_ file: String) -> String? {
        try? ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(file)
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs when these folders of ../shared/data exist, and always under CI.
    public static func needsSharedData(_ folders: String...) -> Self {
        let present = folders.allSatisfy { FileManager.default.fileExists(atPath: sharedDataPath($0)) }
        return .enabled(
            if: present || runningInCI,
            "needs ../shared/data/\(folders.joined(separator: ", ")); see shared/data/README.md")
    }

    /// Runs when the emotion model is installed, and always under CI.
    public static var needsEmotionModel: Self {
        .enabled(
            if: InstalledModels.emotionModel != nil || runningInCI,
            "needs \(ModelStore.emotionModel); run scripts/fetch-models.sh")
    }
}

/// A fresh, empty temporary folder; remove it with `removeTemporaryFolder`.
public func makeTemporaryFolder(_ function: String = #function) throws -> URL {
    let name = "moodwire-" + function.filter { $0.isLetter || $0.isNumber } + "-" + UUID().uuidString
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

public func removeTemporaryFolder(_ url: URL) {
    try? FileManager.default.removeItem(at: url)
}

/// Lower-case hexadecimal SHA-256 of `bytes` (swift-crypto): how fixtures name decoded pixels.
public func sha256Hex<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
