import ArgumentParser
import CommandLineSupport
import DetectorStage
import FaceDetection
import Foundation
import Imaging
import Logging
import ModelFormat
import PipelineProtocol
import StageOptions

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
        let cropSide: Int
        do {
            // Loaded here to refuse a bad detector at start-up; the service loads its own.
            _ = try detection.makeLocator(threads: threads)
            // The shape only: the file is validated, the network is not built.
            let path = try model.path()
            guard let input = try ModelFile(contentsOf: path).graph.inputShape, input.count == 3, input[0] == input[1],
                (1...WireProtocol.maxCropSide).contains(input[0])
            else {
                throw CommandError("\(path): the model's input must be square, 1 to \(WireProtocol.maxCropSide) pixels a side")
            }
            cropSide = input[0]
        } catch {
            throw ServiceRunner.configurationError("\(error)")
        }
        let configuration = DetectorServiceConfiguration(
            endpoints: service.endpoints, cropSide: cropSide)
        let detection = detection, threads = threads
        try await ServiceRunner.run(
            [DetectorService.make(configuration, makeLocator: { try detection.makeLocator(threads: threads) }, logger: logger)],
            observability: observability)
    }
}
