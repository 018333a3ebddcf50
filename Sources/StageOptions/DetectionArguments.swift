import ArgumentParser
import CommandLineSupport
import FaceDetection
import Foundation
import Imaging

/// How faces are found: the options of every command that detects faces (`analyze`,
/// `bench detector`, `bench pipeline`, `up`, `moodwire-detector`), declared once, each with
/// its environment variable for compose files. The detector is BlazeFace unless `--detector haar`;
/// the options marked Haar are the cascade's and do nothing for BlazeFace.
public struct DetectionArguments: ParsableArguments, Sendable {
    @Option(
        help: ArgumentHelp(
            "Face detector: blazeface (MediaPipe's full-range model; faces near and far), blazeface-short (its short-range model; faces within about 2 m) or haar (OpenCV's frontal-face cascade, exact to OpenCV and fer) (env MOODWIRE_DETECTOR).",
            valueName: "name"))
    public var detector: FaceDetectorKind = environment("DETECTOR", FaceDetectorKind.init(rawValue:)) ?? .blazeface

    // Optional without a default value, as --cascade below.
    @Option(help: "BlazeFace: lowest score of a face, 0 to 1 (default: the model's, 0.5; env MOODWIRE_MIN_SCORE).")
    public var minScore: Double?

    @Option(
        help: ArgumentHelp(
            "BlazeFace: model file (default: the installed blazeface_full_range or blazeface_short_range.safetensors; env MOODWIRE_DETECTOR_MODEL).",
            valueName: "path"))
    public var detectorModel: String?

    @Flag(
        inversion: .prefixedNo,
        help:
            "BlazeFace: also search photos whose shorter side is 288 pixels or more, and video frames from 768 (1080p), in four overlapping tiles, for small faces; five network runs instead of one (env MOODWIRE_TILES=0 turns it off)."
    )
    public var tiles = environment("TILES").map { $0 != "0" } ?? true

    @Option(help: "Haar: how much the detection window grows per pyramid level, OpenCV's scaleFactor (env MOODWIRE_SCALE_FACTOR).")
    public var scaleFactor: Double = environment("SCALE_FACTOR", Double.init) ?? 1.1

    @Option(help: "Haar: how many overlapping raw detections a face needs, OpenCV's minNeighbors (env MOODWIRE_MIN_NEIGHBORS).")
    public var minNeighbors: Int = environment("MIN_NEIGHBORS", Int.init) ?? 5

    @Option(help: "Haar: smallest face side in pixels, OpenCV's minSize (env MOODWIRE_MIN_SIZE).")
    public var minSize: Int = environment("MIN_SIZE", Int.init) ?? 30

    @Option(help: "Haar: largest face side in pixels, OpenCV's maxSize; 0 for the image size (env MOODWIRE_MAX_SIZE).")
    public var maxSize: Int = environment("MAX_SIZE", Int.init) ?? 0

    @Option(
        help: ArgumentHelp(
            "Haar: how colour becomes gray: rgb-weighted (OpenCV's cvtColor, as fer sees photos) or luma (the JPEG's own luma channel; faster) (env MOODWIRE_GRAY).",
            valueName: "conversion"))
    public var gray: GrayConversion = environment("GRAY", GrayConversion.init(rawValue:)) ?? .rgbWeighted

    // Optional without a default value (ArgumentParser deprecates optional options with
    // defaults), so the environment is read in `cascadePath()`.
    @Option(
        help: ArgumentHelp(
            "Haar: cascade XML (default: the installed haarcascade_frontalface_default.xml; env MOODWIRE_CASCADE).", valueName: "path"))
    public var cascade: String?

    public init() {}

    public func validate() throws {
        guard scaleFactor > 1 else { throw ValidationError("--scale-factor must be greater than 1") }
        guard minNeighbors >= 0 else { throw ValidationError("--min-neighbors must be 0 or more") }
        guard minSize >= 1 else { throw ValidationError("--min-size must be at least 1") }
        guard maxSize == 0 || maxSize >= minSize else { throw ValidationError("--max-size must be 0 or at least --min-size") }
        if let givenMinScore { guard (0...1).contains(givenMinScore) else { throw ValidationError("--min-score must be between 0 and 1") } }
    }

    /// `--min-score`, else `MOODWIRE_MIN_SCORE`; nil for the model's.
    public var givenMinScore: Double? { minScore ?? environment("MIN_SCORE", Double.init) }

    /// `--detector-model`, else a non-empty `MOODWIRE_DETECTOR_MODEL`.
    private var givenDetectorModel: String? { (detectorModel ?? environment("DETECTOR_MODEL")).flatMap { $0.isEmpty ? nil : $0 } }

    /// The BlazeFace model file: the given one, else the installed one of `--detector`.
    public func detectorModelPath() throws(ModelStoreError) -> String {
        if let givenDetectorModel { return givenDetectorModel }
        let file = detector == .blazefaceShort ? ModelStore.blazeFaceShortRange : ModelStore.blazeFaceFullRange
        return try ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(file)
    }

    /// The chosen detector, loaded, with `threads` threads per image.
    public func makeLocator(threads: Int) throws -> FaceLocator {
        switch detector {
        case .haar:
            return FaceLocator(.haar(FaceDetector(cascade: try HaarCascade(contentsOf: try cascadePath()), threads: threads), options, gray))
        case .blazeface, .blazefaceShort:
            return FaceLocator(
                .blazeFace(try BlazeFaceDetector(contentsOf: try detectorModelPath(), threads: threads), minScore: givenMinScore, tiled: tiles))
        }
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
            "--detector", detector.rawValue, "--scale-factor", "\(scaleFactor)", "--min-neighbors", "\(minNeighbors)", "--min-size", "\(minSize)",
            "--max-size", "\(maxSize)", "--gray", gray.rawValue, tiles ? "--tiles" : "--no-tiles"
        ]
        if let givenCascade { arguments += ["--cascade", givenCascade] }
        if let givenMinScore { arguments += ["--min-score", "\(givenMinScore)"] }
        if let givenDetectorModel { arguments += ["--detector-model", givenDetectorModel] }
        return arguments
    }
}

extension GrayConversion: ExpressibleByArgument {}
extension FaceDetectorKind: ExpressibleByArgument {}
