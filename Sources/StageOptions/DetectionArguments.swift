import ArgumentParser
import CommandLineSupport
import FaceDetection
import Foundation
import Imaging

/// How faces are found: the options of every command that detects faces (`analyze`,
/// `bench detector`, `up`, `moodwire-detector`), declared once, each with its environment
/// variable for compose files.
public struct DetectionArguments: ParsableArguments, Sendable {
    @Option(help: "How much the detection window grows per pyramid level, OpenCV's scaleFactor (env MOODWIRE_SCALE_FACTOR).")
    public var scaleFactor: Double = environment("SCALE_FACTOR", Double.init) ?? 1.1

    @Option(help: "How many overlapping raw detections a face needs, OpenCV's minNeighbors (env MOODWIRE_MIN_NEIGHBORS).")
    public var minNeighbors: Int = environment("MIN_NEIGHBORS", Int.init) ?? 5

    @Option(help: "Smallest face side in pixels, OpenCV's minSize (env MOODWIRE_MIN_SIZE).")
    public var minSize: Int = environment("MIN_SIZE", Int.init) ?? 30

    @Option(help: "Largest face side in pixels, OpenCV's maxSize; 0 for the image size (env MOODWIRE_MAX_SIZE).")
    public var maxSize: Int = environment("MAX_SIZE", Int.init) ?? 0

    @Option(
        help: ArgumentHelp(
            "How colour becomes gray: rgb-weighted (OpenCV's cvtColor, as fer sees photos) or luma (the JPEG's own luma channel; faster) (env MOODWIRE_GRAY).",
            valueName: "conversion"))
    public var gray: GrayConversion = environment("GRAY", GrayConversion.init(rawValue:)) ?? .rgbWeighted

    // Optional without a default value (ArgumentParser deprecates optional options with
    // defaults), so the environment is read in `cascadePath()`.
    @Option(
        help: ArgumentHelp(
            "Haar cascade XML (default: the installed haarcascade_frontalface_default.xml; env MOODWIRE_CASCADE).", valueName: "path"))
    public var cascade: String?

    public init() {}

    public func validate() throws {
        guard scaleFactor > 1 else { throw ValidationError("--scale-factor must be greater than 1") }
        guard minNeighbors >= 0 else { throw ValidationError("--min-neighbors must be 0 or more") }
        guard minSize >= 1 else { throw ValidationError("--min-size must be at least 1") }
        guard maxSize == 0 || maxSize >= minSize else { throw ValidationError("--max-size must be 0 or at least --min-size") }
    }

    /// The detector's parameters.
    public var options: DetectionOptions {
        DetectionOptions(scaleFactor: scaleFactor, minNeighbors: minNeighbors, minSize: minSize, maxSize: maxSize > 0 ? maxSize : nil)
    }

    /// `--cascade`, else a non-empty `MOODWIRE_CASCADE`.
    private var givenCascade: String? { (cascade ?? environment("CASCADE")).flatMap { $0.isEmpty ? nil : $0 } }

    /// The given cascade, else the installed one.
    public func cascadePath() throws(ModelStoreError) -> String {
        if let givenCascade { return givenCascade }
        return try ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(ModelStore.faceCascade)
    }

    /// These options as command-line arguments, for a detector process started by `up`.
    public var arguments: [String] {
        var arguments = [
            "--scale-factor", "\(scaleFactor)", "--min-neighbors", "\(minNeighbors)", "--min-size", "\(minSize)",
            "--max-size", "\(maxSize)", "--gray", gray.rawValue
        ]
        if let givenCascade { arguments += ["--cascade", givenCascade] }
        return arguments
    }
}

extension GrayConversion: ExpressibleByArgument {}
