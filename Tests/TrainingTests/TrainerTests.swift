import ModelFormat
import NeuralNetwork
import Testing
import Training

@Suite("Training runs: fitting, determinism, checkpoints and failures")
struct TrainerTests {
    static let labels = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]

    /// `perClass` noisy 16x16 images of three learnable patterns (horizontal stripes, vertical
    /// stripes, a bright centre), labelled angry, fear and happy; the other labels stay empty.
    static func patterns(perClass: Int, seed: UInt64 = 5) -> ImageSet {
        var random = SeededRandom(seed: seed)
        let side = 16
        var pixels: [UInt8] = []
        var classes: [Int] = []
        for index in 0..<(3 * perClass) {
            let kind = index % 3
            let phase = Int(random.next() % 4)
            for y in 0..<side {
                for x in 0..<side {
                    let on: Bool
                    switch kind {
                    case 0: on = (y + phase) % 4 < 2
                    case 1: on = (x + phase) % 4 < 2
                    default: on = abs(x - 8 + phase / 2) < 4 && abs(y - 8 + phase / 2) < 4
                    }
                    let noise = Int(random.next() % 60)
                    pixels.append(UInt8(on ? 170 + noise : 30 + noise))
                }
            }
            classes.append([0, 2, 3][kind])
        }
        return ImageSet(labels: labels, side: side, pixels: pixels, classes: classes)
    }

    static let smallNet = Architecture.vgg(widths: [4, 8], convolutionsPerStage: 1, inputSide: 16, dropout: 0.25).graph(classes: 7)

    static func settings(epochs: Int = 3, batch: Int = 16) -> TrainingSettings {
        var settings = TrainingSettings()
        settings.epochs = epochs
        settings.batchSize = batch
        settings.learningRate = 0.05
        settings.warmupEpochs = 1
        settings.seed = 9
        return settings
    }

    /// Fraction of `images` the trainer's current weights classify right, run by the inference runtime.
    static func accuracy(_ trainer: Trainer, on images: ImageSet) throws -> Double {
        let network = try Network(model: trainer.model(source: "test"), path: "(test)")
        let session = InferenceSession(network: network, maxBatch: images.count)
        let table = network.normalization.table
        for (i, pixel) in images.pixels.enumerated() { session.input[i] = table[Int(pixel)] }
        session.run(batch: images.count)
        var correct = 0
        for (row, label) in images.classes.enumerated() {
            let scores = (0..<7).map { session.output[row * 7 + $0] }
            if scores.indices.max(by: { scores[$0] < scores[$1] }) == label { correct += 1 }
        }
        return Double(correct) / Double(images.count)
    }

    static func weights(_ trainer: Trainer) -> [String: WeightTensor] { trainer.graph.tensors }

    @Test("A small net fits a few hundred images in a few epochs, as the inference runtime measures it")
    func fitsItsTrainingSet() throws {
        let images = Self.patterns(perClass: 80)
        var settings = Self.settings(epochs: 8)
        settings.augment = false
        let trainer = try Trainer(graph: Self.smallNet, images: images, settings: settings)
        let before = try Self.accuracy(trainer, on: images)
        var losses: [Float] = []
        while !trainer.finished { losses.append(try trainer.step().loss) }
        let after = try Self.accuracy(trainer, on: images)
        #expect(after >= 0.95, "accuracy \(before) -> \(after)")
        let early: Float = losses.prefix(5).reduce(0, +), late: Float = losses.suffix(5).reduce(0, +)
        #expect(late < early / 2)
    }

    @Test("Same seed, same weights; one thread and two give the same weights (the shards decide)")
    func determinism() throws {
        let images = Self.patterns(perClass: 24)
        func train(threads: Int) throws -> [String: WeightTensor] {
            let trainer = try Trainer(graph: Self.smallNet, images: images, settings: Self.settings(epochs: 2), threads: threads)
            while !trainer.finished { _ = try trainer.step() }
            return Self.weights(trainer)
        }
        let first = try train(threads: 1)
        #expect(try train(threads: 1) == first)
        #expect(try train(threads: 2) == first)
        var other = Self.settings(epochs: 2)
        other.seed = 10
        let trainer = try Trainer(graph: Self.smallNet, images: images, settings: other)
        while !trainer.finished { _ = try trainer.step() }
        #expect(Self.weights(trainer) != first)
    }

    @Test("A run resumed from a checkpoint written to bytes mid-epoch ends bit for bit as the run straight through")
    func resumeIsExact() throws {
        let images = Self.patterns(perClass: 24)
        let straight = try Trainer(graph: Self.smallNet, images: images, settings: Self.settings(epochs: 2))
        while !straight.finished { _ = try straight.step() }

        let interrupted = try Trainer(graph: Self.smallNet, images: images, settings: Self.settings(epochs: 2))
        for _ in 0..<(interrupted.stepsPerEpoch + 2) { _ = try interrupted.step() }
        let saved = try ModelFile(data: try interrupted.checkpoint(source: "test").encoded(), path: "(checkpoint)")
        let resumed = try Trainer(resuming: saved, path: "(checkpoint)", images: images, threads: 2)
        #expect(resumed.epoch == 1 && resumed.stepInEpoch == 2)
        while !resumed.finished { _ = try resumed.step() }
        #expect(Self.weights(resumed) == Self.weights(straight))
    }

    @Test("A checkpoint loads in the inference runtime as a model, and exports what the training graph computes")
    func checkpointIsAModel() throws {
        let images = Self.patterns(perClass: 8)
        let trainer = try Trainer(graph: Self.smallNet, images: images, settings: Self.settings(epochs: 1))
        while !trainer.finished { _ = try trainer.step() }
        let file = try ModelFile(data: try trainer.checkpoint(source: "test").encoded(), path: "(checkpoint)")
        let network = try Network(model: file, path: "(checkpoint)")
        #expect(network.labels == Self.labels)
        #expect(Trainer.settings(of: file) == Self.settings(epochs: 1))
        #expect(Trainer.settings(of: trainer.model(source: "test")) == nil)
    }

    @Test("Refused: one class, fewer images than a batch, a batch the shards do not divide, another label set")
    func refusals() throws {
        let one = ImageSet(labels: Self.labels, side: 16, pixels: [UInt8](repeating: 9, count: 32 * 256), classes: [Int](repeating: 3, count: 32))
        #expect(throws: TrainingError.self) { try Trainer(graph: Self.smallNet, images: one, settings: Self.settings()) }
        let few = Self.patterns(perClass: 2)
        #expect(throws: TrainingError.self) { try Trainer(graph: Self.smallNet, images: few, settings: Self.settings()) }
        var odd = Self.settings()
        odd.batchSize = 15
        #expect(throws: TrainingError.self) { try Trainer(graph: Self.smallNet, images: Self.patterns(perClass: 24), settings: odd) }

        let images = Self.patterns(perClass: 24)
        let trainer = try Trainer(graph: Self.smallNet, images: images, settings: Self.settings())
        let checkpoint = trainer.checkpoint(source: "test")
        let relabelled = ImageSet(labels: ["a", "b", "c", "d", "e", "f", "g"], side: 16, pixels: images.pixels, classes: images.classes)
        #expect(throws: TrainingError.self) { try Trainer(resuming: checkpoint, path: "c", images: relabelled) }
        #expect(throws: TrainingError.self) { try Trainer(resuming: trainer.model(source: "test"), path: "m", images: images) }
    }

    @Test("A diverging run stops at the step whose loss is not finite, naming it, with the weights of the step before")
    func divergence() throws {
        let images = Self.patterns(perClass: 24)
        var settings = Self.settings(epochs: 3)
        settings.learningRate = 1e12
        settings.warmupEpochs = 0
        let trainer = try Trainer(graph: Self.smallNet, images: images, settings: settings)
        var failure: TrainingError?
        var lastGood: [String: WeightTensor] = Self.weights(trainer)
        while !trainer.finished {
            do {
                _ = try trainer.step()
                lastGood = Self.weights(trainer)
            } catch {
                failure = error
                break
            }
        }
        guard case let .nonFiniteLoss(epoch, step) = failure else {
            Issue.record("no divergence reported: \(String(describing: failure))")
            return
        }
        #expect(epoch >= 1 && step >= 1)
        #expect("\(failure!)".contains("epoch \(epoch), step \(step)"))
        #expect(Self.weights(trainer) == lastGood)
    }

    @Test("Fine-tuning starts from the given weights; missing or misshapen weights are refused by name")
    func initialWeights() throws {
        let images = Self.patterns(perClass: 24)
        let source = try Trainer(graph: Self.smallNet, images: images, settings: Self.settings())
        for _ in 0..<3 { _ = try source.step() }
        var settings = Self.settings()
        settings.seed = 77
        let tuned = try Trainer(graph: Self.smallNet, images: images, settings: settings, initialWeights: Self.weights(source))
        #expect(Self.weights(tuned) == Self.weights(source))
        var missing = Self.weights(source)
        missing["logits/kernel"] = nil
        #expect(throws: TrainingError.graph(.missingWeights("logits/kernel"))) {
            try Trainer(graph: Self.smallNet, images: images, settings: settings, initialWeights: missing)
        }
    }
}

@Suite("Optimizer, schedule and augmentation")
struct OptimizerTests {
    @Test("SGD with Nesterov momentum and L2 or decoupled decay, against the formulas by hand")
    func sgd() {
        let kernel = Parameter(name: "c/kernel", shape: [2], value: [1, -2])
        let bias = Parameter(name: "c/bias", shape: [1], value: [0.5])
        kernel.gradient = [0.1, 0.2]
        bias.gradient = [-0.3]
        var sgd = SGD(momentum: 0.9, nesterov: true, weightDecay: 0.01, decayStyle: .l2)
        sgd.update([kernel, bias], learningRate: 0.1)
        // g = 0.1 + 0.01 * 1 = 0.11; v = 0.11; w = 1 - 0.1 * (0.11 + 0.9 * 0.11)
        #expect(abs(kernel.value[0] - (1 - 0.1 * (0.11 + 0.099))) < 1e-7)
        #expect(abs(bias.value[0] - (0.5 + 0.1 * (0.3 + 0.27))) < 1e-7)
        // Second step: v = 0.9 * 0.11 + 0.11 (same gradient, new weight).
        let w1 = kernel.value[0]
        sgd.update([kernel, bias], learningRate: 0.1)
        let g2 = 0.1 + 0.01 * w1, v2 = 0.9 * 0.11 + g2
        #expect(abs(kernel.value[0] - (w1 - 0.1 * (g2 + 0.9 * v2))) < 1e-6)

        let decoupled = Parameter(name: "d/kernel", shape: [1], value: [2])
        decoupled.gradient = [0.5]
        var plain = SGD(momentum: 0.9, nesterov: false, weightDecay: 0.1, decayStyle: .decoupled)
        plain.update([decoupled], learningRate: 0.5)
        // w = 2 * (1 - 0.5 * 0.1) - 0.5 * 0.5
        #expect(abs(decoupled.value[0] - (2 * 0.95 - 0.25)) < 1e-6)
    }

    @Test("Warm-up rises linearly to the peak, then the cosine falls to zero at the last step")
    func schedule() {
        let schedule = LearningRateSchedule(peak: 0.1, warmupSteps: 10, totalSteps: 110)
        #expect(abs(schedule.rate(at: 0) - 0.01) < 1e-7)
        #expect(abs(schedule.rate(at: 9) - 0.1) < 1e-7)
        #expect(abs(schedule.rate(at: 10) - 0.1) < 1e-7)
        #expect(abs(schedule.rate(at: 60) - 0.05) < 1e-6)
        #expect(schedule.rate(at: 110) < 1e-9)
        #expect((10..<110).allSatisfy { schedule.rate(at: $0) >= schedule.rate(at: $0 + 1) })
    }

    @Test("Augmentation: no draw keeps the image, a flip mirrors it, a quarter turn rotates it, the border is replicated")
    func augmentation() {
        let side = 5
        let image = (0..<(side * side)).map { Float($0) }
        var random = SeededRandom(seed: 1)
        func apply(_ draw: Augmentation.Draw) -> [Float] {
            var output = [Float](repeating: 0, count: side * side)
            image.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer {
                    Augmentation.apply(draw, to: source.baseAddress!, side: side, output: $0.baseAddress!, random: &random)
                }
            }
            return output
        }
        let identity = Augmentation.Draw(radians: 0, scale: 1, shiftX: 0, shiftY: 0, flipped: false, erased: nil)
        #expect(apply(identity) == image)
        var flip = identity
        flip.flipped = true
        #expect(apply(flip) == (0..<(side * side)).map { Float(($0 / side) * side + side - 1 - $0 % side) })
        var turn = identity
        turn.radians = .pi / 2
        let turned = apply(turn)
        // Output (x, y) reads source (c + (y - c), c - (x - c)) = (y, 4 - x).
        for y in 0..<side {
            for x in 0..<side { #expect(abs(turned[y * side + x] - image[(4 - x) * side + y]) < 1e-4) }
        }
        var shifted = identity
        shifted.shiftX = 2
        let moved = apply(shifted)
        #expect(moved[0] == image[0] && moved[1] == image[0] && moved[4] == image[2])
        var erased = identity
        erased.erased = (x: 1, y: 2, side: 2)
        let holed = apply(erased)
        #expect(holed[2 * side + 1] != image[2 * side + 1] && holed[2 * side + 1] >= -1 && holed[2 * side + 1] <= 1)
        #expect(holed[0] == image[0])

        var draws = SeededRandom(seed: 3)
        let settings = Augmentation()
        let samples = (0..<2000).map { _ in settings.draw(side: 48, random: &draws) }
        let maxRadians: Float = 15 * .pi / 180, maxShift: Float = 0.12 * 48
        #expect(samples.allSatisfy { draw in abs(draw.radians) <= maxRadians && abs(draw.scale - 1) <= 0.15 && abs(draw.shiftX) <= maxShift })
        let erasedShare = Double(samples.filter { $0.erased != nil }.count) / 2000
        #expect(abs(erasedShare - 0.5) < 0.05)
        #expect(samples.compactMap(\.erased).allSatisfy { $0.side >= 5 && $0.side <= 14 && $0.x + $0.side <= 48 && $0.y + $0.side <= 48 })
    }

    @Test("The architectures build, train and load in the runtime; the vgg default has fer's size class")
    func architectures() throws {
        for architecture in [Architecture.named("vgg")!, Architecture.named("mini-xception")!] {
            let graph = architecture.graph(classes: 7)
            let training = try TrainingGraph(graph, seed: 1)
            let network = try Network(model: training.modelFile(labels: TrainerTests.labels, source: "test"), path: "(test)")
            #expect(network.inputShape.height == architecture.inputSide)
            switch architecture {
            case .vgg: #expect(network.multiplyAccumulates == 29_528_960)
            // fer's own model counts 10,163,392 in the runtime: the same shape.
            case .miniXception: #expect(network.multiplyAccumulates == 10_163_392)
            }
        }
    }
}

@Suite("Epoch log and learning curves")
struct EpochLogTests {
    static let records = (1...20).map { epoch in
        let progress = Double(epoch) / 20
        return EpochRecord(
            epoch: epoch, loss: 1.9 - 0.7 * progress, trainAccuracy: 0.25 + 0.4 * progress, validationAccuracy: 0.3 + 0.32 * progress,
            flipAveragedAccuracy: 0.31 + 0.33 * progress, learningRate: 0.05 * (1 - progress), seconds: 90)
    }

    @Test("The CSV log has a header and a row per epoch; the records survive the checkpoint's JSON")
    func csvAndJSON() {
        let csv = EpochRecord.csv(Self.records).split(separator: "\n")
        #expect(csv.count == 21 && csv[0].hasPrefix("epoch,loss,train_accuracy,validation_accuracy"))
        #expect(csv[20].hasPrefix("20,1.200000,0.650000,0.620000,0.640000,"))
        #expect(EpochRecord.decode(EpochRecord.encode(Self.records)) == Self.records)
        #expect(EpochRecord.decode("not json").isEmpty && EpochRecord.decode(nil).isEmpty)
    }

    @Test("The curves: four series of one point per epoch, round loss ticks, the last figures written out")
    func curves() {
        let svg = TrainingCurves.svg(Self.records, title: "run <1>")
        #expect(svg.hasPrefix("<svg") && svg.contains("run &lt;1&gt;"))
        let paths = svg.components(separatedBy: "<path d=\"").dropFirst()
        #expect(paths.count == 4)
        #expect(paths.allSatisfy { $0.components(separatedBy: "L").count == 20 })
        #expect(svg.contains(">2.00<") && svg.contains(">1.00<"))
        #expect(svg.contains("last: validation 62.00%, flip-averaged 64.00%"))
    }
}
