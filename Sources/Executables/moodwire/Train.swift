import ArgumentParser
import CommandLineSupport
import EmotionClassification
import Evaluation
import Foundation
import Imaging
import ModelFormat
import NeuralNetwork
import Results
import Synchronization
import Training

struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an emotion model on a labelled folder (one subfolder per FER2013 label).",
        discussion: """
            Images of any size are converted to grayscale and resized to the network's input. After \
            each epoch it prints the training loss and the validation accuracy (plain and \
            flip-averaged), writes a checkpoint and appends a row to the epoch log. Ctrl-C saves a \
            checkpoint; --resume continues from it exactly. The output is a model file that eval, \
            analyze and the pipeline load with --model.
            """
    )

    @Argument(help: ArgumentHelp("Training folder, one subfolder of images per label.", valueName: "dir"))
    var data: String

    @Option(help: ArgumentHelp("Validation folder, laid out as the training folder.", valueName: "dir"))
    var val: String

    @Option(help: ArgumentHelp("The trained model file to write.", valueName: "file.safetensors"))
    var out: String

    @Option(help: ArgumentHelp("Architecture: \(Architecture.names.joined(separator: ", ")) (default vgg).", valueName: "name"))
    var arch: String?

    @Option(help: ArgumentHelp("Comma-separated stage widths (default 16,32,64,128).", valueName: "list"))
    var widths: String?

    @Option(help: "Stem width of mini-xception (default 8).")
    var stem: Int?

    @Option(help: "Input side in pixels (default 48 for vgg, 64 for mini-xception).")
    var inputSize: Int?

    @Option(name: .customLong("init"), help: ArgumentHelp("Start from this model's weights and architecture (fine-tuning).", valueName: "model"))
    var initialize: String?

    @Option(help: "Epochs.")
    var epochs = 60

    @Option(help: "Images per step.")
    var batch = 128

    @Option(help: "Peak learning rate (after the warm-up; cosine decay to zero at the end).")
    var lr: Float = 0.05

    @Option(help: "Epochs of linear learning-rate warm-up.")
    var warmupEpochs = 2

    @Option(help: "SGD momentum (Nesterov).")
    var momentum: Float = 0.9

    @Option(help: "Weight decay on the kernels.")
    var weightDecay: Float = 5e-4

    @Flag(help: "Decoupled weight decay instead of L2.")
    var decoupledWeightDecay = false

    @Option(help: "Label smoothing.")
    var labelSmoothing: Float = 0.1

    @Flag(help: "Train without augmentation.")
    var noAugment = false

    @Option(help: "Seed of initialisation, shuffling, augmentation and dropout.")
    var seed: UInt64 = 1

    @Option(help: "Shards per batch (each has its own batch statistics; the result does not depend on --threads).")
    var shards = 2

    @Option(help: "Compute threads.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Folder for the checkpoint and the epoch log (default: the output's name + .training).", valueName: "dir"))
    var checkpointDir: String?

    @Flag(help: "Continue the run saved in the checkpoint folder.")
    var resume = false

    @Option(help: ArgumentHelp("Also draw loss and accuracy per epoch as an SVG.", valueName: "file.svg"))
    var plot: String?

    @Flag(help: "Store the model's weights as float16: half the file, within 2^-11 of the float32 weights (checkpoints stay float32).")
    var float16 = false

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
        guard epochs > 0, batch > 0, lr > 0, warmupEpochs >= 0, shards > 0 else {
            throw ValidationError("--epochs, --batch, --lr and --shards must be positive, --warmup-epochs not negative")
        }
        guard batch % shards == 0 else { throw ValidationError("--batch (\(batch)) must be a multiple of --shards (\(shards))") }
        if let arch, !Architecture.names.contains(arch) {
            throw ValidationError("unknown --arch \(arch); choose one of \(Architecture.names.joined(separator: ", "))")
        }
        if resume, initialize != nil { throw ValidationError("--resume continues a checkpoint; it cannot be combined with --init") }
    }

    func run() async throws {
        let directory = checkpointDir ?? out + ".training"
        let checkpointPath = directory + "/checkpoint.safetensors"
        let logPath = directory + "/epochs.csv"
        let checkpoint: ModelFile? = resume ? try ModelFile(contentsOf: checkpointPath) : nil
        let initial: ModelFile? = try initialize.map { try ModelFile(contentsOf: $0) }
        let graph = try chooseGraph(checkpoint: checkpoint, checkpointPath: checkpointPath, initial: initial)
        guard let shape = graph.inputShape, shape.count == 3, shape[0] == shape[1], shape[2] == 1 else {
            throw ValidationError("the network must take a square grayscale input")
        }

        let training = try Self.load(folder: data, side: shape[0], threads: threads, role: "training")
        let validation = try Self.load(folder: val, side: shape[0], threads: threads, role: "validation")
        let trainingCounts = training.images.classCounts, validationCounts = validation.images.classCounts
        let present = trainingCounts.filter { $0 > 0 }.count
        guard present >= 2 else {
            throw ValidationError("\(data) holds images of \(present) label; a classifier needs at least two")
        }
        for (label, count) in zip(training.images.labels, trainingCounts) where count == 0 {
            warn("no training images for '\(label)': the model will never learn that label")
        }
        if let stray = zip(training.images.labels, zip(trainingCounts, validationCounts)).first(where: { $0.1.0 == 0 && $0.1.1 > 0 }) {
            throw ValidationError("the validation set has '\(stray.0)' images but the training set has none; their labels must match")
        }

        // The command that started the run stays the model's record; a resumption is noted beside it.
        let command = CommandLine.arguments.joined(separator: " ")
        var commands = [Self.commandKey: command]
        if let checkpoint, let first = checkpoint.extraMetadata[Self.commandKey] {
            commands[Self.commandKey] = first
            commands[Self.resumedKey] = [checkpoint.extraMetadata[Self.resumedKey], command].compactMap { $0 }.joined(separator: "\n")
        }
        let trainer: Trainer
        var history: [EpochRecord] = []
        if let checkpoint {
            trainer = try Trainer(resuming: checkpoint, path: checkpointPath, images: training.images, threads: threads, epochs: epochs)
            history = EpochRecord.decode(checkpoint.extraMetadata[EpochRecord.metadataKey])
            if checkpoint.extraMetadata[Self.fingerprintKey] != training.fingerprint {
                warn("\(checkpointPath) was trained on another file list than \(data) (fingerprints differ)")
            }
            say("resuming \(checkpointPath) at epoch \(trainer.epoch + 1), step \(trainer.stepInEpoch + 1)")
        } else {
            trainer = try Trainer(
                graph: graph, images: training.images, settings: settings(), threads: threads, initialWeights: initial?.tensors)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        say(
            "training on \(training.images.count) images (\(trainer.stepsPerEpoch) steps of \(trainer.settings.batchSize) per epoch), "
                + "validating on \(validation.images.count); \(threads) thread\(threads == 1 ? "" : "s"); checkpoints in \(directory)")

        let interrupted = InterruptFlag.install()
        while !trainer.finished {
            let epoch = trainer.epoch + 1, started = ContinuousClock.now
            let bar = ProgressBar(total: trainer.stepsPerEpoch * trainer.settings.batchSize, label: "epoch \(epoch)/\(trainer.settings.epochs)")
            var lossSum: Double = 0, accuracySum: Double = 0, steps = 0
            var learningRate: Float = 0
            while trainer.epoch < epoch && !trainer.finished {
                if interrupted.isSet {
                    bar.finish()
                    try saveCheckpoint(trainer, to: checkpointPath, metadata: Self.metadata(history, training.fingerprint, commands))
                    say("interrupted at epoch \(epoch), step \(trainer.stepInEpoch + 1); saved \(checkpointPath): continue with --resume")
                    throw ExitCode(130)
                }
                let report: StepReport
                do {
                    report = try trainer.step()
                } catch {
                    bar.finish()
                    throw ValidationError("\(error); the last good checkpoint is \(checkpointPath)")
                }
                lossSum += Double(report.loss)
                accuracySum += Double(report.accuracy)
                steps += 1
                learningRate = report.learningRate
                bar.update(
                    report.step * trainer.settings.batchSize,
                    note: String(
                        format: "step %d/%d loss %.3f acc %.1f%%", report.step, trainer.stepsPerEpoch, lossSum / Double(steps),
                        accuracySum / Double(steps) * 100))
            }
            bar.finish()

            let (plain, flipped) = try Self.accuracy(of: trainer.model(source: "moodwire train"), on: validation.images, threads: threads)
            let record = EpochRecord(
                epoch: epoch, loss: lossSum / Double(max(steps, 1)), trainAccuracy: accuracySum / Double(max(steps, 1)),
                validationAccuracy: plain, flipAveragedAccuracy: flipped, learningRate: Double(learningRate),
                seconds: (ContinuousClock.now - started).inSeconds)
            history.append(record)
            say(record.line(epochs: trainer.settings.epochs))
            try saveCheckpoint(trainer, to: checkpointPath, metadata: Self.metadata(history, training.fingerprint, commands))
            try writeLog(history, to: logPath)
        }
        // Again after the loop, so that resuming a finished run redraws the log and the plot.
        try writeLog(history, to: logPath)
        try trainer.model(source: "moodwire train", extraMetadata: Self.metadata(history, training.fingerprint, commands))
            .write(to: out, precision: float16 ? .float16 : .float32)
        say("wrote \(out)\(float16 ? " (float16 weights)" : ""); epoch log \(logPath)")
    }

    /// The epoch log as CSV, and the `--plot` SVG.
    private func writeLog(_ history: [EpochRecord], to logPath: String) throws {
        try EpochRecord.csv(history).write(toFile: logPath, atomically: true, encoding: .utf8)
        if let plot {
            let title = "moodwire train: " + URL(fileURLWithPath: out).lastPathComponent
            try TrainingCurves.svg(history, title: title).write(toFile: plot, atomically: true, encoding: .utf8)
        }
    }

    /// What the checkpoint and the output carry beside the weights: the data fingerprint, the
    /// epoch log and the commands that trained them.
    static func metadata(_ history: [EpochRecord], _ fingerprint: String, _ commands: [String: String]) -> [String: String] {
        commands.merging([fingerprintKey: fingerprint, EpochRecord.metadataKey: EpochRecord.encode(history)]) { $1 }
    }

    private func saveCheckpoint(_ trainer: Trainer, to path: String, metadata: [String: String]) throws {
        try trainer.checkpoint(source: "moodwire train checkpoint", extraMetadata: metadata).write(to: path)
    }

    static let fingerprintKey = "moodwire.training.data_sha256"
    static let commandKey = "moodwire.training.command"
    static let resumedKey = "moodwire.training.resumed_with"

    private func settings() -> TrainingSettings {
        var settings = TrainingSettings()
        settings.epochs = epochs
        settings.batchSize = batch
        settings.learningRate = lr
        settings.warmupEpochs = warmupEpochs
        settings.momentum = momentum
        settings.weightDecay = weightDecay
        settings.decoupledWeightDecay = decoupledWeightDecay
        settings.labelSmoothing = labelSmoothing
        settings.augment = !noAugment
        settings.seed = seed
        settings.shards = shards
        return settings
    }

    /// The graph to train: the checkpoint's when resuming (which must match an architecture
    /// asked for), the initial model's when fine-tuning, else the one the options describe.
    private func chooseGraph(checkpoint: ModelFile?, checkpointPath: String, initial: ModelFile?) throws -> ModelGraph {
        let requested = try requestedArchitecture()
        if let checkpoint {
            if let requested, requested.graph(classes: Emotion.allCases.count) != checkpoint.graph {
                throw ValidationError("\(checkpointPath) holds another architecture than \(requested); resume without --arch, or start afresh")
            }
            return checkpoint.graph
        }
        if let initial {
            guard initial.labels == Emotion.allCases.map(\.rawValue) else {
                throw ValidationError("\(initialize!): labels \(initial.labels) are not the FER2013 classes")
            }
            return initial.graph
        }
        return (requested ?? Architecture.named("vgg")!).graph(classes: Emotion.allCases.count)
    }

    private func requestedArchitecture() throws -> Architecture? {
        guard arch != nil || widths != nil || stem != nil || inputSize != nil else { return nil }
        var parsedWidths: [Int]?
        if let widths {
            let values = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--widths must be positive integers separated by commas, e.g. 16,32,64,128")
            }
            parsedWidths = values.map { $0! }
        }
        if let inputSize, !(16...256).contains(inputSize) { throw ValidationError("--input-size must be between 16 and 256") }
        return Architecture.named(arch ?? "vgg", widths: parsedWidths, stem: stem, inputSide: inputSize)
    }

    /// A labelled folder decoded into memory at `side` x `side`, with unreadable files listed
    /// and skipped, and the SHA-256 of its sorted file list (paths relative to the folder).
    static func load(folder: String, side: Int, threads: Int, role: String) throws -> (images: ImageSet, fingerprint: String) {
        let labelled = try LabelledFolder(root: folder)
        guard !labelled.items.isEmpty else { throw EvaluationError.noImages(root: folder) }
        let bar = ProgressBar(total: labelled.items.count, label: "decode \(role)")
        let (images, unreadable) = ImageSet.load(
            files: labelled.items.map { ($0.path, $0.label.index) }, labels: Emotion.allCases.map(\.rawValue), side: side,
            threads: threads, progress: { bar.update($0) })
        bar.finish()
        if !unreadable.isEmpty {
            warn("\(unreadable.count) unreadable \(role) image\(unreadable.count == 1 ? "" : "s") skipped:")
            for file in unreadable.prefix(10) { warn("  \(file.path): \(file.reason)") }
            if unreadable.count > 10 { warn("  … and \(unreadable.count - 10) more") }
        }
        guard images.count > 0 else { throw EvaluationError.noImages(root: folder) }
        return (images, labelled.fingerprint)
    }

    /// Accuracy of the model, run by the inference runtime as the pipeline runs it, plain and
    /// flip-averaged.
    static func accuracy(of model: ModelFile, on images: ImageSet, threads: Int) throws -> (plain: Double, flipped: Double) {
        let classifier = try EmotionClassifier(network: Network(model: model, path: "(training)"), path: "(training)", maxBatch: 64, threads: threads)
        let faces = (0..<images.count).map(images.image)
        func accuracy(flipAveraged: Bool) -> Double {
            let results = classifier.classify(faces, flipAveraged: flipAveraged)
            let correct = zip(results, images.classes).filter { scores, label in
                scores.probabilities.indices.max { scores.probabilities[$0] < scores.probabilities[$1] } == label
            }.count
            return Double(correct) / Double(images.count)
        }
        return (accuracy(flipAveraged: false), accuracy(flipAveraged: true))
    }
}

/// Prints a line and flushes it: a long run's log must be readable as it goes, into a file too.
private func say(_ line: String) {
    print(line)
    fflush(nil)
}

private func warn(_ message: String) {
    FileHandle.standardError.write(Data(("warning: " + message + "\n").utf8))
}

/// Set by SIGINT, checked between training steps so the step in flight completes first.
final class InterruptFlag: Sendable {
    private static let shared = InterruptFlag()
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .relaxed) }

    static func install() -> InterruptFlag {
        signal(SIGINT) { _ in InterruptFlag.shared.flag.store(true, ordering: .relaxed) }
        return shared
    }
}
