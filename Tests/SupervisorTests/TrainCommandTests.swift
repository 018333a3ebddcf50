import Foundation
import TestSupport
import Testing

/// `moodwire train` as a user runs it, on a few real FER2013 faces linked into label folders.
@Suite("moodwire train")
struct TrainCommandTests {
    static let fer = StackTestSupport.sharedData + "/fer2013/train"
    static var ready: Bool { FileManager.default.fileExists(atPath: fer + "/happy") }

    /// Label folders under `root` with `perLabel` faces of each of `labels`, linked from FER2013,
    /// and an empty `sad` folder.
    static func makeFolder(_ root: String, labels: [String], perLabel: Int, offset: Int = 0) throws {
        for label in labels {
            let folder = root + "/" + label
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let files = try FileManager.default.contentsOfDirectory(atPath: fer + "/" + label).sorted()
            for file in files[offset..<(offset + perLabel)] {
                try FileManager.default.createSymbolicLink(atPath: folder + "/" + file, withDestinationPath: fer + "/" + label + "/" + file)
            }
        }
        try FileManager.default.createDirectory(atPath: root + "/sad", withIntermediateDirectories: true)
    }

    /// A safetensors file's JSON header.
    static func header(of path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        return try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
    }

    /// A small, fast network for the command's tests.
    static let smallNet = ["--arch", "vgg", "--widths", "4,8", "--input-size", "24", "--batch", "16", "--threads", "2"]

    @Test(.enabled(if: ready || StackTestSupport.inCI, "needs ../shared/data/fer2013/train"))
    func trainsResumesAndRefusesWhatItCannotUse() throws {
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let train = directory + "/train", val = directory + "/val", model = directory + "/model.safetensors"
        try Self.makeFolder(train, labels: ["angry", "happy", "surprise"], perLabel: 24)
        try Self.makeFolder(val, labels: ["angry", "happy", "surprise"], perLabel: 8, offset: 24)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: train + "/happy/broken.jpg"))

        let first = try StackTestSupport.run(
            "moodwire", ["train", train, "--val", val, "--out", model, "--epochs", "2", "--plot", directory + "/curves.svg"] + Self.smallNet,
            in: directory)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("1 unreadable training image skipped") && first.stderr.contains("broken.jpg"))
        #expect(first.stderr.contains("no training images for 'sad'"))
        #expect(first.stdout.contains("epoch 2/2") && first.stdout.contains("validation"))
        let log = try String(contentsOfFile: model + ".training/epochs.csv", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)
        #expect(try String(contentsOfFile: directory + "/curves.svg", encoding: .utf8).contains("<svg"))

        // The output is a model the other commands load.
        let eval = try StackTestSupport.run("moodwire", ["eval", val, "--model", model], in: directory)
        #expect(eval.status == 0, "\(eval.stderr)")

        let float32Bytes = try Data(contentsOf: URL(fileURLWithPath: model)).count

        // Resuming extends the run; the log keeps the earlier epochs; the model keeps the first
        // command and notes the resumption; --float16 halves the weights.
        let resumed = try StackTestSupport.run(
            "moodwire", ["train", train, "--val", val, "--out", model, "--epochs", "3", "--resume", "--float16"] + Self.smallNet, in: directory)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming") && resumed.stdout.contains("epoch 3/3") && !resumed.stdout.contains("epoch 1/3"))
        #expect(try String(contentsOfFile: model + ".training/epochs.csv", encoding: .utf8).split(separator: "\n").count == 4)
        let header = try Self.header(of: model)
        let metadata = try #require(header["__metadata__"] as? [String: String])
        #expect(metadata["moodwire.training.command"]?.contains("--plot") == true)
        #expect(metadata["moodwire.training.resumed_with"]?.contains("--float16") == true)
        #expect(header.filter { $0.key != "__metadata__" }.allSatisfy { ($0.value as? [String: Any])?["dtype"] as? String == "F16" })
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)).count < float32Bytes)
        let evalHalf = try StackTestSupport.run("moodwire", ["eval", val, "--model", model], in: directory)
        #expect(evalHalf.status == 0, "\(evalHalf.stderr)")

        // Fine-tuning starts from that model, its architecture included.
        let tuned = directory + "/tuned.safetensors"
        let fineTune = try StackTestSupport.run(
            "moodwire", ["train", train, "--val", val, "--out", tuned, "--init", model, "--epochs", "1", "--batch", "16", "--threads", "2"],
            in: directory)
        #expect(fineTune.status == 0 && fineTune.stdout.contains("epoch 1/1"), "\(fineTune.stderr)")
        #expect(try Self.header(of: tuned)["stage2_conv2/kernel"] != nil)

        // Another architecture, a truncated checkpoint, validation labels the training set lacks.
        let other = try StackTestSupport.run(
            "moodwire", ["train", train, "--val", val, "--out", model, "--resume", "--arch", "mini-xception", "--epochs", "4"], in: directory)
        #expect(other.status != 0 && other.stderr.contains("another architecture"), "\(other.stderr)")
        let checkpoint = model + ".training/checkpoint.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: checkpoint))
        let truncated = try StackTestSupport.run(
            "moodwire", ["train", train, "--val", val, "--out", model, "--resume", "--epochs", "4"] + Self.smallNet, in: directory)
        #expect(truncated.status != 0 && truncated.stderr.contains("truncated"), "\(truncated.stderr)")
        try Self.makeFolder(directory + "/val2", labels: ["angry", "fear"], perLabel: 4)
        let mismatch = try StackTestSupport.run(
            "moodwire", ["train", train, "--val", directory + "/val2", "--out", model, "--epochs", "1"] + Self.smallNet, in: directory)
        #expect(mismatch.status != 0 && mismatch.stderr.contains("'fear'"), "\(mismatch.stderr)")
        try Self.makeFolder(directory + "/one", labels: ["happy"], perLabel: 20)
        let oneClass = try StackTestSupport.run(
            "moodwire", ["train", directory + "/one", "--val", val, "--out", model, "--epochs", "1"] + Self.smallNet, in: directory)
        #expect(oneClass.status != 0 && oneClass.stderr.contains("at least two"), "\(oneClass.stderr)")
    }

    @Test(.enabled(if: ready || StackTestSupport.inCI, "needs ../shared/data/fer2013/train"))
    func ctrlCSavesACheckpointAndADivergingRunStopsClearly() throws {
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let train = directory + "/train", val = directory + "/val", model = directory + "/model.safetensors"
        try Self.makeFolder(train, labels: ["angry", "happy"], perLabel: 32)
        try Self.makeFolder(val, labels: ["angry", "happy"], perLabel: 4, offset: 32)

        let (process, stdout, stderr) = try StackTestSupport.start(
            "moodwire", ["train", train, "--val", val, "--out", model, "--epochs", "1000"] + Self.smallNet, in: directory)
        // Interrupt once an epoch is logged, so the run is well under way.
        let deadline = ContinuousClock.now + .seconds(300)
        while !FileManager.default.fileExists(atPath: model + ".training/epochs.csv"), process.isRunning, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        try StackTestSupport.wait(for: process, timeout: .seconds(120))
        let printed = try String(contentsOfFile: stdout, encoding: .utf8)
        #expect(process.terminationStatus == 130, "\((try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "")")
        #expect(printed.contains("interrupted at epoch") && printed.contains("--resume"))
        #expect(FileManager.default.fileExists(atPath: model + ".training/checkpoint.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: model))

        let diverging = try StackTestSupport.run(
            "moodwire",
            ["train", train, "--val", val, "--out", directory + "/nan.safetensors", "--epochs", "5", "--lr", "1e20", "--warmup-epochs", "0"]
                + Self.smallNet, in: directory)
        #expect(diverging.status != 0 && diverging.stderr.contains("not finite at epoch"), "\(diverging.stderr)")
    }
}
