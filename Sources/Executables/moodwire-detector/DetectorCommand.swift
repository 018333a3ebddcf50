import ArgumentParser
import CommandLineSupport
import DetectorStage
import FaceDetection
import Foundation
import Imaging
import Logging
import NeuralNetwork
import PipelineProtocol

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

    @OptionGroup(title: "Face detection") var detection: DetectionArguments
    @OptionGroup(title: "The classifiers' model, whose input size the face crops are cut at") var model: ModelArguments

    func validate() throws {
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be between 1 and 64") }
    }

    func run() async throws {
        let observability = try service.bootstrapObservability(label: "moodwire.detector")
        let logger = observability.logger
        let haar: HaarCascade
        let cropSide: Int
        do {
            haar = try HaarCascade(contentsOf: try detection.cascadePath())
            let input = try Network(contentsOf: try model.path()).inputShape
            guard input.width == input.height, (1...WireProtocol.maxCropSide).contains(input.width) else {
                throw CommandError(
                    "the model's input is \(input.width)x\(input.height); face crops are square, 1 to \(WireProtocol.maxCropSide) pixels")
            }
            cropSide = input.width
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        let configuration = DetectorServiceConfiguration(
            endpoints: service.endpoints,
            options: detection.options, conversion: detection.gray, cropSide: cropSide)
        let detector = FaceDetector(cascade: haar, threads: threads)
        try await ServiceRunner.run([DetectorService.make(configuration, detector: detector, logger: logger)], observability: observability)
    }
}
