import Parallelism
import Timing

/// Runs a `Network` on batches of up to `maxBatch` images with `threads` threads. Every buffer
/// (activations, scratch, pointer tables) is allocated once here; `run` allocates nothing.
/// A session is used by one caller at a time; make one per concurrent caller.
public final class InferenceSession {
    public let network: Network
    public let maxBatch: Int
    public let threads: Int

    private let inputBuffer: UnsafeMutablePointer<Float>
    /// One buffer per graph output, [maxBatch, its shape].
    private let outputBuffers: [UnsafeMutablePointer<Float>]
    /// One single-image workspace per thread, reused for every image that thread runs, so its
    /// activations stay in that core's cache.
    private let imageWorkspaces: [Workspace]
    /// Holds the images of a batch smaller than the thread count, whose rows the threads split.
    private let sharedWorkspace: Workspace?
    private let team: ThreadTeam?

    public init(network: Network, maxBatch: Int, threads: Int = 1) {
        precondition(maxBatch > 0 && threads > 0, "batch and thread counts must be positive")
        self.network = network
        self.maxBatch = maxBatch
        self.threads = threads
        Gemm.useCallingThreadOnly()
        inputBuffer = AlignedFloats.allocate(maxBatch * network.inputShape.count)
        outputBuffers = network.outputShapes.map { AlignedFloats.allocate(maxBatch * $0.count) }
        imageWorkspaces = (0..<threads).map { _ in Workspace(network: network, images: 1) }
        sharedWorkspace = threads > 1 ? Workspace(network: network, images: min(maxBatch, threads - 1)) : nil
        team = threads > 1 ? ThreadTeam(size: threads) : nil
    }

    deinit {
        UnsafeMutableRawPointer(inputBuffer).deallocate()
        for buffer in outputBuffers { UnsafeMutableRawPointer(buffer).deallocate() }
    }

    /// Where callers write `batch` input maps ([batch, H, W, C]) before `run`.
    public var input: UnsafeMutablePointer<Float> { inputBuffer }

    /// Where `run` leaves `batch` maps of the first (for a classifier, the only) output
    /// ([batch, outputShape]).
    public var output: UnsafePointer<Float> { output(0) }

    /// Where `run` leaves `batch` maps of graph output `index` ([batch, outputShapes[index]]).
    public func output(_ index: Int) -> UnsafePointer<Float> { UnsafePointer(outputBuffers[index]) }

    /// Runs the network on the first `batch` maps in `input`.
    ///
    /// With at least as many images as threads, each thread takes its share of the images and
    /// runs them one at a time through every layer in its own workspace: one image's activations
    /// stay in cache, and the threads never wait for each other. With fewer images than threads,
    /// the threads split the output rows of every layer and meet at a barrier between layers.
    public func run(batch: Int) {
        precondition(batch > 0 && batch <= maxBatch, "batch \(batch) is outside 1...\(maxBatch)")
        guard let team, let sharedWorkspace else {
            runImages(0..<batch, thread: 0)
            return
        }
        if batch >= threads {
            team.run { thread in
                self.runImages((batch * thread / self.threads)..<(batch * (thread + 1) / self.threads), thread: thread)
            }
            return
        }
        sharedWorkspace.input.update(from: inputBuffer, count: batch * network.inputShape.count)
        team.run { thread in
            self.runSplitRows(batch: batch, thread: thread, of: team.size, in: sharedWorkspace, barrier: team.barrier)
        }
        for (index, shape) in network.outputShapes.enumerated() {
            outputBuffers[index].update(from: sharedWorkspace.output(index), count: batch * shape.count)
        }
    }

    /// Runs `images` one after another through all layers in `thread`'s workspace.
    private func runImages(_ images: Range<Int>, thread: Int) {
        let workspace = imageWorkspaces[thread]
        let steps = network.steps
        let inputCount = network.inputShape.count
        for image in images {
            workspace.input.update(from: inputBuffer + image * inputCount, count: inputCount)
            for index in steps.indices {
                let step = steps[index]
                step.layer.forward(
                    workspace.inputs(of: index), output: workspace.values[step.output],
                    items: 0..<step.layer.workItems(batch: 1), scratch: workspace.scratch)
            }
            for (index, shape) in network.outputShapes.enumerated() {
                (outputBuffers[index] + image * shape.count).update(from: workspace.output(index), count: shape.count)
            }
        }
    }

    /// Each thread takes an equal contiguous share of every layer's work items, then waits for
    /// the others before the next layer reads what they wrote.
    private func runSplitRows(batch: Int, thread: Int, of count: Int, in workspace: Workspace, barrier: () -> Void) {
        let steps = network.steps
        for index in steps.indices {
            let step = steps[index]
            let items = step.layer.workItems(batch: batch)
            let start = items * thread / count, end = items * (thread + 1) / count
            if start < end {
                step.layer.forward(
                    workspace.inputs(of: index), output: workspace.values[step.output],
                    items: start..<end, scratch: imageWorkspaces[thread].scratch)
            }
            if index < steps.count - 1 { barrier() }
        }
    }

    /// Runs the network once on one thread, timing each layer: (layer name, seconds,
    /// multiply-accumulates per image), in order. Uses the first `batch` inputs.
    public func profileLayers(batch: Int) -> [(name: String, seconds: Double, multiplyAccumulates: Int)] {
        precondition(batch > 0 && batch <= maxBatch, "batch \(batch) is outside 1...\(maxBatch)")
        let workspace = imageWorkspaces[0]
        var seconds = [Double](repeating: 0, count: network.steps.count)
        let clock = ContinuousClock()
        for image in 0..<batch {
            workspace.input.update(from: inputBuffer + image * network.inputShape.count, count: network.inputShape.count)
            for index in network.steps.indices {
                let step = network.steps[index]
                let start = clock.now
                step.layer.forward(
                    workspace.inputs(of: index), output: workspace.values[step.output],
                    items: 0..<step.layer.workItems(batch: 1), scratch: workspace.scratch)
                let elapsed = clock.now - start
                seconds[index] += elapsed.inSeconds
            }
        }
        return network.steps.indices.map { (network.steps[$0].layer.name, seconds[$0], network.steps[$0].layer.multiplyAccumulates) }
    }
}

/// Buffers for running `images` images through a network: one buffer per value, the pointer
/// table of each step's inputs, and one thread's scratch.
final class Workspace {
    let values: [UnsafeMutablePointer<Float>]
    let scratch: UnsafeMutablePointer<Float>
    private let arena: UnsafeMutablePointer<Float>
    private let scratchCount: Int
    private let tables: UnsafeMutablePointer<UnsafePointer<Float>>
    private let tableStarts: [Int]
    private let tableCounts: [Int]
    private let outputValues: [Int]

    init(network: Network, images: Int) {
        // Floats per value, rounded up to 16 so that every buffer starts on a cache line.
        let sizes = network.valueShapes.map { ($0.count * images + 15) / 16 * 16 }
        let total = sizes.reduce(0, +)
        arena = AlignedFloats.allocate(total)
        var values: [UnsafeMutablePointer<Float>] = []
        var offset = 0
        for size in sizes {
            values.append(arena + offset)
            offset += size
        }
        self.values = values
        let inputCount = network.steps.reduce(0) { $0 + $1.inputs.count }
        tables = .allocate(capacity: max(1, inputCount))
        var starts: [Int] = [], counts: [Int] = []
        var slot = 0
        for step in network.steps {
            starts.append(slot)
            counts.append(step.inputs.count)
            for value in step.inputs {
                (tables + slot).initialize(to: UnsafePointer(values[value]))
                slot += 1
            }
        }
        tableStarts = starts
        tableCounts = counts
        scratchCount = max(16, network.steps.map(\.layer.scratchCount).max() ?? 0)
        scratch = AlignedFloats.allocate(scratchCount)
        outputValues = network.outputValues
    }

    deinit {
        UnsafeMutableRawPointer(arena).deallocate()
        tables.deallocate()
        UnsafeMutableRawPointer(scratch).deallocate()
    }

    var input: UnsafeMutablePointer<Float> { values[0] }
    func output(_ index: Int) -> UnsafePointer<Float> { UnsafePointer(values[outputValues[index]]) }

    /// The input pointers of step `index`.
    @inline(__always)
    func inputs(of index: Int) -> UnsafeBufferPointer<UnsafePointer<Float>> {
        UnsafeBufferPointer(start: tables + tableStarts[index], count: tableCounts[index])
    }
}
