import ArgumentParser

/// Which model classifies faces and how: the options of every command that classifies
/// (`analyze`, `eval`, `bench classifier`, `up`, `moodwire-classifier`), declared once.
public struct ClassificationArguments: ParsableArguments, Sendable {
    @OptionGroup public var model: ModelArguments

    @Option(help: "Most faces per inference batch (env MOODWIRE_BATCH).")
    public var batch: Int = environment("BATCH", Int.init) ?? 32

    @Flag(help: "Average each face's probabilities with its mirror image's, test-time augmentation (env MOODWIRE_FLIP_AVERAGE=1).")
    public var flipAverage: Bool = environment("FLIP_AVERAGE", Bool.init(yesOrNo:)) ?? false

    public init() {}

    public func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    /// Images per inference run: `batch` faces, and their mirror images with `flipAverage`.
    public var imagesPerRun: Int { flipAverage ? 2 * batch : batch }

    /// These options as command-line arguments, for a classifier process started by `up`.
    public var arguments: [String] {
        var arguments = model.arguments + ["--batch", "\(batch)"]
        if flipAverage { arguments.append("--flip-average") }
        return arguments
    }
}
