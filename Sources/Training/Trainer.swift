import Dispatch
import Foundation
import ModelFormat
import NeuralNetwork
import Parallelism

/// What one training run does, all of it kept in checkpoints.
public struct TrainingSettings: Sendable, Codable, Equatable {
    public var epochs = 60
    public var batchSize = 128
    /// The peak learning rate, reached after the warm-up.
    public var learningRate: Float = 0.05
    public var warmupEpochs = 2
    public var momentum: Float = 0.9
    public var nesterov = true
    public var weightDecay: Float = 5e-4
    public var decoupledWeightDecay = false
    public var labelSmoothing: Float = 0.1
    public var augment = true
    public var seed: UInt64 = 1
    /// Each batch is split into this many equal shards, each with its own network replica and
    /// its own batch statistics; threads take shards in turn. The result depends on the shards,
    /// not on the threads, so one thread and two give the same weights.
    public var shards = 2

    public init() {}
}

/// One optimisation step's figures.
public struct StepReport: Sendable {
    public let epoch: Int
    public let step: Int
    public let loss: Float
    /// Fraction of the (augmented) batch the network got right before the step.
    public let accuracy: Float
    public let learningRate: Float
}

/// Why training stopped or could not start.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case graph(TrainingGraphError)
    case settings(String)
    case nonFiniteLoss(epoch: Int, step: Int)
    case checkpoint(String)

    public var description: String {
        switch self {
        case let .graph(error): "\(error)"
        case let .settings(reason): reason
        case let .nonFiniteLoss(epoch, step):
            "the loss is not finite at epoch \(epoch), step \(step): training diverged (try a lower --lr); the weights of the step before are kept"
        case let .checkpoint(reason): reason
        }
    }
}

/// Trains a network on an `ImageSet` with SGD, one batch at a time. Batches are drawn and
/// augmented on a thread of their own one step ahead; the shards of a batch run on the compute
/// threads; their gradients are summed in shard order and applied once. Every random draw comes
/// from a stream named by (seed, epoch, step), so a run resumed from a checkpoint continues bit
/// for bit.
public final class Trainer {
    public let settings: TrainingSettings
    public let images: ImageSet
    /// Replica 0 holds the weights the optimizer updates; the others get copies each step.
    let replicas: [TrainingGraph]
    var optimizer: SGD
    public let schedule: LearningRateSchedule
    private let team: ThreadTeam?
    private let batches: BatchMaker
    private var prefetched: (position: Int, result: PrefetchedBatch)?
    /// Epochs completed.
    public private(set) var epoch = 0
    /// Steps done in the current epoch.
    public private(set) var stepInEpoch = 0

    public var stepsPerEpoch: Int { images.count / settings.batchSize }
    public var globalStep: Int { epoch * stepsPerEpoch + stepInEpoch }
    public var graph: TrainingGraph { replicas[0] }
    public var finished: Bool { epoch >= settings.epochs }

    /// A fresh run: weights from He initialisation with the seed, or from `initialWeights`
    /// (fine-tuning) when given.
    public init(
        graph: ModelGraph, images: ImageSet, settings: TrainingSettings, threads: Int = 1,
        initialWeights: [String: WeightTensor]? = nil
    ) throws(TrainingError) {
        guard settings.batchSize > 0, settings.shards > 0, settings.batchSize % settings.shards == 0 else {
            throw .settings("the batch size (\(settings.batchSize)) must be a positive multiple of the shards (\(settings.shards))")
        }
        guard settings.epochs > 0 else { throw .settings("--epochs must be positive") }
        guard images.count >= settings.batchSize else {
            throw .settings("\(images.count) training images are fewer than one batch of \(settings.batchSize); lower --batch")
        }
        let classes = images.labels.count
        guard classes >= 2, images.classCounts.filter({ $0 > 0 }).count >= 2 else {
            throw .settings("the training images hold \(images.classCounts.filter { $0 > 0 }.count) class; a classifier needs at least two")
        }
        do {
            replicas = try (0..<settings.shards).map { _ throws(TrainingGraphError) in try TrainingGraph(graph, seed: settings.seed) }
        } catch {
            throw .graph(error)
        }
        for replica in replicas { replica.skipInputGradient() }
        let network = replicas[0]
        guard network.inputShape == FeatureShape(height: images.side, width: images.side, channels: 1) else {
            throw .settings("the network takes \(network.inputShape) inputs; the images are \(images.side)x\(images.side) grayscale")
        }
        guard network.outputShape.count == classes else {
            throw .settings("the network has \(network.outputShape.count) outputs for \(classes) labels")
        }
        if let initialWeights {
            do {
                for replica in replicas { try replica.load(initialWeights) }
            } catch {
                throw .graph(error)
            }
        }
        self.settings = settings
        self.images = images
        optimizer = SGD(
            momentum: settings.momentum, nesterov: settings.nesterov, weightDecay: settings.weightDecay,
            decayStyle: settings.decoupledWeightDecay ? .decoupled : .l2)
        let stepsPerEpoch = images.count / settings.batchSize
        schedule = LearningRateSchedule(
            peak: settings.learningRate, warmupSteps: settings.warmupEpochs * stepsPerEpoch,
            totalSteps: settings.epochs * stepsPerEpoch)
        team = threads > 1 && settings.shards > 1 ? ThreadTeam(size: min(threads, settings.shards)) : nil
        batches = BatchMaker(images: images, settings: settings)
        Gemm.useCallingThreadOnly()
    }

    /// One optimisation step on the next batch. A non-finite loss stops before the update, so
    /// the weights stay those of the last good step.
    public func step() throws(TrainingError) -> StepReport {
        precondition(!finished, "the run is finished")
        let position = globalStep
        let batch = prefetched?.position == position ? prefetched!.result.wait() : batches.make(epoch: epoch, step: stepInEpoch)
        prefetch(after: position)

        let shardSize = settings.batchSize / settings.shards, pixels = images.side * images.side
        let classes = images.labels.count
        // Raw buffers: the shards write their own slots from several threads.
        let losses = UnsafeMutableBufferPointer<Float>.allocate(capacity: settings.shards)
        let correct = UnsafeMutableBufferPointer<Int>.allocate(capacity: settings.shards)
        losses.initialize(repeating: 0)
        correct.initialize(repeating: 0)
        defer {
            losses.deallocate()
            correct.deallocate()
        }
        let loss = SoftmaxCrossEntropy(labelSmoothing: settings.labelSmoothing)
        let epoch = self.epoch, step = self.stepInEpoch, seed = settings.seed
        // The forward passes move the moving statistics; a failed step must not keep that.
        let statistics = replicas[0].normalizations.map { ($0.movingMean, $0.movingVariance) }
        let work: (Int) -> Void = { shard in
            let replica = self.replicas[shard]
            replica.zeroGradients()
            replica.reseedDropout(SeededRandom.stream(seed, 2, UInt64(epoch), UInt64(step), UInt64(shard)))
            let range = (shard * shardSize)..<((shard + 1) * shardSize)
            let logits = replica.forward(
                Array(batch.inputs[(range.lowerBound * pixels)..<(range.upperBound * pixels)]), batch: shardSize, training: true)
            let labels = Array(batch.labels[range])
            let (value, shardGradient) = loss.evaluate(logits: logits, labels: labels, classes: classes)
            var gradient = shardGradient
            // The loss is the mean over the whole batch: each shard's mean weighs 1 / shards.
            let weight = 1 / Float(self.settings.shards)
            for i in gradient.indices { gradient[i] *= weight }
            replica.backward(gradient)
            losses[shard] = value * weight
            for (row, label) in labels.enumerated() {
                let scores = logits[(row * classes)..<((row + 1) * classes)]
                if scores.indices.max(by: { scores[$0] < scores[$1] }) == scores.startIndex + label { correct[shard] += 1 }
            }
        }
        if let team {
            team.run { member in
                for shard in stride(from: member, to: self.settings.shards, by: team.size) { work(shard) }
            }
        } else {
            for shard in 0..<settings.shards { work(shard) }
        }
        let total = losses.reduce(0, +)
        guard total.isFinite else {
            for replica in replicas {
                for (norm, saved) in zip(replica.normalizations, statistics) { (norm.movingMean, norm.movingVariance) = saved }
            }
            throw .nonFiniteLoss(epoch: epoch + 1, step: step + 1)
        }

        let rate = schedule.rate(at: position)
        let master = replicas[0]
        for other in replicas.dropFirst() {
            for (sum, part) in zip(master.parameters, other.parameters) {
                for i in sum.gradient.indices { sum.gradient[i] += part.gradient[i] }
            }
        }
        optimizer.update(master.parameters, learningRate: rate)
        synchronizeReplicas()

        stepInEpoch += 1
        if stepInEpoch == stepsPerEpoch {
            self.epoch += 1
            stepInEpoch = 0
        }
        return StepReport(
            epoch: epoch + 1, step: step + 1, loss: total, accuracy: Float(correct.reduce(0, +)) / Float(settings.batchSize),
            learningRate: rate)
    }

    /// Copies the master's weights to the other replicas and gives every replica the mean of
    /// their moving statistics (each moved them by its own shard's statistics).
    private func synchronizeReplicas() {
        guard replicas.count > 1 else { return }
        let master = replicas[0]
        for other in replicas.dropFirst() {
            for (source, target) in zip(master.parameters, other.parameters) { target.value = source.value }
        }
        let scale = 1 / Float(replicas.count)
        for (index, norm) in master.normalizations.enumerated() {
            var mean = norm.movingMean, variance = norm.movingVariance
            for other in replicas.dropFirst() {
                let peer = other.normalizations[index]
                for c in mean.indices {
                    mean[c] += peer.movingMean[c]
                    variance[c] += peer.movingVariance[c]
                }
            }
            for c in mean.indices {
                mean[c] *= scale
                variance[c] *= scale
            }
            for replica in replicas {
                replica.normalizations[index].movingMean = mean
                replica.normalizations[index].movingVariance = variance
            }
        }
    }

    /// Starts drawing the batch after `position` on the prefetch thread.
    private func prefetch(after position: Int) {
        let next = position + 1
        guard next < settings.epochs * stepsPerEpoch else {
            prefetched = nil
            return
        }
        let result = PrefetchedBatch()
        let batches = self.batches, epoch = next / stepsPerEpoch, step = next % stepsPerEpoch
        DispatchQueue.global().async { result.fulfil(batches.make(epoch: epoch, step: step)) }
        prefetched = (next, result)
    }

    // MARK: Checkpoints

    static let velocityPrefix = "optimizer/velocity/"
    static let stateKey = "moodwire.training"

    /// What a checkpoint stores beside the tensors.
    struct State: Codable {
        var settings: TrainingSettings
        var epoch: Int
        var stepInEpoch: Int
        var imageCount: Int
    }

    /// The trained weights as a model file the runtime loads.
    public func model(source: String, extraMetadata: [String: String] = [:]) -> ModelFile {
        graph.modelFile(labels: images.labels, source: source, extraMetadata: extraMetadata)
    }

    /// A model file that also holds the optimizer's velocities and the position in the run:
    /// `init(resuming:)` continues from it exactly. The runtime loads it as a model as well.
    public func checkpoint(source: String, extraMetadata: [String: String] = [:]) -> ModelFile {
        var tensors = graph.tensors
        for (parameter, velocity) in zip(graph.parameters, optimizer.velocities) {
            tensors[Self.velocityPrefix + parameter.name] = WeightTensor(shape: parameter.shape, values: velocity)
        }
        let state = State(settings: settings, epoch: epoch, stepInEpoch: stepInEpoch, imageCount: images.count)
        var metadata = extraMetadata
        metadata[Self.stateKey] = String(decoding: (try? JSONEncoder().encode(state)) ?? Data(), as: UTF8.self)
        return ModelFile(graph: graph.modelGraph, labels: images.labels, source: source, tensors: tensors, extraMetadata: metadata)
    }

    /// The settings a checkpoint was trained with, or nil when the file is not a checkpoint.
    public static func settings(of checkpoint: ModelFile) -> TrainingSettings? {
        state(of: checkpoint)?.settings
    }

    static func state(of checkpoint: ModelFile) -> State? {
        checkpoint.extraMetadata[stateKey].flatMap { try? JSONDecoder().decode(State.self, from: Data($0.utf8)) }
    }

    /// Continues the run a checkpoint saved, on the same images (same count and labels).
    /// `epochs` may extend the run, which stretches the cosine schedule from where it is.
    public convenience init(resuming checkpoint: ModelFile, path: String, images: ImageSet, threads: Int = 1, epochs: Int? = nil)
        throws(TrainingError)
    {
        guard var state = Self.state(of: checkpoint) else {
            throw .checkpoint("\(path): not a training checkpoint (no \(Self.stateKey) metadata); use --init to start from a model's weights")
        }
        guard checkpoint.labels == images.labels else {
            throw .checkpoint("\(path): trained on labels \(checkpoint.labels), the data has \(images.labels)")
        }
        guard state.imageCount == images.count else {
            throw .checkpoint("\(path): trained on \(state.imageCount) images, the data has \(images.count); resume on the same data")
        }
        if let epochs { state.settings.epochs = epochs }
        try self.init(graph: checkpoint.graph, images: images, settings: state.settings, threads: threads, initialWeights: checkpoint.tensors)
        guard state.epoch <= state.settings.epochs else {
            throw .checkpoint("\(path): the checkpoint is at epoch \(state.epoch), past the \(state.settings.epochs) epochs asked for")
        }
        var velocities: [[Float]] = []
        for parameter in graph.parameters {
            guard let velocity = checkpoint.tensors[Self.velocityPrefix + parameter.name], velocity.shape == parameter.shape else {
                throw .checkpoint("\(path): no optimizer state for \(parameter.name)")
            }
            velocities.append(velocity.values)
        }
        optimizer.velocities = velocities
        epoch = state.epoch
        stepInEpoch = state.stepInEpoch
    }
}

/// One batch: network inputs (N x side x side, in [-1, 1]) and class indices.
struct Batch: Sendable {
    let inputs: [Float]
    let labels: [Int]
}

/// Draws a step's batch: the epoch's shuffled order from the stream (seed, 0, epoch), and each
/// image's augmentation from the stream (seed, 1, epoch, step).
struct BatchMaker: Sendable {
    let images: ImageSet
    let settings: TrainingSettings
    let augmentation: Augmentation
    private let table: [Float]

    init(images: ImageSet, settings: TrainingSettings) {
        self.images = images
        self.settings = settings
        augmentation = settings.augment ? Augmentation() : .none
        table = Architecture.normalization.table
    }

    func order(epoch: Int) -> [Int] {
        var random = SeededRandom.stream(settings.seed, 0, UInt64(epoch))
        var order = Array(0..<images.count)
        // Fisher-Yates with the generator's own draws, the same on every platform.
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        return order
    }

    func make(epoch: Int, step: Int) -> Batch {
        let side = images.side, pixels = side * side, size = settings.batchSize
        let chosen = order(epoch: epoch)[(step * size)..<((step + 1) * size)]
        var random = SeededRandom.stream(settings.seed, 1, UInt64(epoch), UInt64(step))
        var inputs = [Float](repeating: 0, count: size * pixels)
        var source = [Float](repeating: 0, count: pixels)
        inputs.withUnsafeMutableBufferPointer { out in
            for (slot, index) in chosen.enumerated() {
                for i in 0..<pixels { source[i] = table[Int(images.pixels[index * pixels + i])] }
                let draw = augmentation.draw(side: side, random: &random)
                source.withUnsafeBufferPointer {
                    Augmentation.apply(draw, to: $0.baseAddress!, side: side, output: out.baseAddress! + slot * pixels, random: &random)
                }
            }
        }
        return Batch(inputs: inputs, labels: chosen.map { images.classes[$0] })
    }
}

/// A batch being drawn on another thread.
private final class PrefetchedBatch: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var batch: Batch?

    func fulfil(_ batch: Batch) {
        self.batch = batch
        ready.signal()
    }

    func wait() -> Batch {
        ready.wait()
        return batch!
    }
}
