import ArgumentParser
import CommandLineSupport
import DetectorStage
import FaceDetection
import Foundation
import Imaging
import Logging

@main
struct DetectorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moodwire-detector",
        abstract: "Detector worker: takes frames from the broker, sends face crops on to the classifiers.",
        discussion: "Start as many as the cores allow; the broker spreads frames over them."
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: "Threads per frame (env MOODWIRE_DETECTOR_THREADS).")
    var threads: Int = environment("DETECTOR_THREADS", Int.init) ?? 1

    @Option(help: "OpenCV scaleFactor (env MOODWIRE_SCALE_FACTOR).")
    var scaleFactor: Double = environment("SCALE_FACTOR", Double.init) ?? 1.1

    @Option(help: "OpenCV minNeighbors (env MOODWIRE_MIN_NEIGHBORS).")
    var minNeighbors: Int = environment("MIN_NEIGHBORS", Int.init) ?? 5

    @Option(help: "Smallest face side in pixels (env MOODWIRE_MIN_SIZE).")
    var minSize: Int = environment("MIN_SIZE", Int.init) ?? 30

    @Option(help: "Largest face side in pixels; 0 for the frame size (env MOODWIRE_MAX_SIZE).")
    var maxSize: Int = environment("MAX_SIZE", Int.init) ?? 0

    @Option(help: "rgb-weighted (as OpenCV and fer) or luma (env MOODWIRE_GRAY).")
    var gray: GrayConversion = environment("GRAY", GrayConversion.init(rawValue:)) ?? .rgbWeighted

    @Option(help: "Haar cascade XML; empty for the installed frontal-face cascade (env MOODWIRE_CASCADE).")
    var cascade: String = environment("CASCADE") ?? ""

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
        guard scaleFactor > 1 else { throw ValidationError("--scale-factor must be greater than 1") }
        guard maxSize == 0 || maxSize >= minSize else { throw ValidationError("--max-size must be 0 or at least --min-size") }
        guard minNeighbors >= 0, minSize >= 1 else { throw ValidationError("--min-neighbors must be 0 or more and --min-size at least 1") }
    }

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.detector")
        let logger = observability.logger
        let haar: HaarCascade
        do {
            let path =
                try !cascade.isEmpty ? cascade : ModelStore.standard(environment: ProcessInfo.processInfo.environment).locate(ModelStore.faceCascade)
            haar = try HaarCascade(contentsOf: path)
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        let configuration = DetectorServiceConfiguration(
            endpoints: service.endpoints,
            options: DetectionOptions(scaleFactor: scaleFactor, minNeighbors: minNeighbors, minSize: minSize, maxSize: maxSize > 0 ? maxSize : nil),
            conversion: gray)
        let detector = FaceDetector(cascade: haar, threads: threads)
        try await ServiceRunner.run([DetectorService.make(configuration, detector: detector, logger: logger)], observability: observability)
    }
}

extension GrayConversion: ExpressibleByArgument {}
