import Crypto
import Foundation
import Results

/// A folder with one subfolder per FER2013 label (angry, disgust, fear, happy, sad, surprise,
/// neutral) holding that label's images, as FER2013 exports and ../shared/data/fer2013 are laid out.
public struct LabelledFolder: Sendable {
    public struct Item: Sendable, Equatable {
        public let path: String
        public let label: Emotion
    }

    public let root: String
    /// Every file, folders in `Emotion` order and files sorted by name within each.
    public let items: [Item]

    /// SHA-256 (hex) of the items' paths below `root`, sorted and one per line: which images a
    /// model was trained on, recorded in the model file by `moodwire train`.
    public var fingerprint: String {
        let list = items.map { String($0.path.dropFirst(root.count)) }.sorted().joined(separator: "\n")
        return SHA256.hash(data: Data(list.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Lists the folder. Subfolders that are not FER2013 label names are an error naming them;
    /// hidden files are skipped; a label with no subfolder simply has no items.
    public init(root: String) throws(EvaluationError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notAFolder(root)
        }
        let entries: [String]
        do {
            entries = try manager.contentsOfDirectory(atPath: root).filter { !$0.hasPrefix(".") }
        } catch {
            throw .unreadableFolder(root, reason: error.localizedDescription)
        }
        var labelled: [Emotion: String] = [:]
        var unknown: [String] = []
        var strayFiles: [String] = []
        for entry in entries.sorted() {
            var entryIsDirectory: ObjCBool = false
            _ = manager.fileExists(atPath: root + "/" + entry, isDirectory: &entryIsDirectory)
            if !entryIsDirectory.boolValue {
                strayFiles.append(entry)
            } else if let emotion = Emotion(rawValue: entry.lowercased()) {
                labelled[emotion] = entry
            } else {
                unknown.append(entry)
            }
        }
        if !unknown.isEmpty { throw .unknownLabels(root: root, folders: unknown) }
        if labelled.isEmpty { throw .noLabelFolders(root: root, files: strayFiles.count) }

        var items: [Item] = []
        for emotion in Emotion.allCases {
            guard let folder = labelled[emotion] else { continue }
            let directory = root + "/" + folder
            let files: [String]
            do {
                files = try manager.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
            } catch {
                throw .unreadableFolder(directory, reason: error.localizedDescription)
            }
            items += files.map { Item(path: directory + "/" + $0, label: emotion) }
        }
        self.root = root
        self.items = items
    }
}

/// Why an evaluation could not run.
public enum EvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    case notAFolder(String)
    case unreadableFolder(String, reason: String)
    case unknownLabels(root: String, folders: [String])
    case noLabelFolders(root: String, files: Int)
    case noImages(root: String)

    public var description: String {
        let labels = Emotion.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case let .notAFolder(path):
            return "\(path): not a folder"
        case let .unreadableFolder(path, reason):
            return "\(path): cannot list folder (\(reason))"
        case let .unknownLabels(root, folders):
            return
                "\(root): unknown label folder\(folders.count == 1 ? "" : "s") \(folders.map { "'\($0)'" }.joined(separator: ", ")); expected FER2013 labels: \(labels)"
        case let .noLabelFolders(root, files):
            return "\(root): no label subfolders (found \(files) loose files); expected one subfolder per label: \(labels)"
        case let .noImages(root):
            return "\(root): the label folders hold no images"
        }
    }
}
