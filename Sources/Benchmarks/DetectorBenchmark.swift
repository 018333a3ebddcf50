import Evaluation
import FaceDetection
import Foundation
import Imaging
import Timing

/// `moodwire bench detector`: median time of one `detect` call per image, for the shared photos
/// and for each of them resized to 640x480, at given thread counts.
public struct DetectorBenchmark {
    public struct Measurement: Sendable, Codable, Equatable {
        public let runtime: String
        public let threads: Int
        public let image: String
        public let width: Int
        public let height: Int
        public let medianMs: Double
        public let faces: Int

        enum CodingKeys: String, CodingKey {
            case runtime, threads, image, width, height, medianMs = "median_ms", faces
        }

        public var line: String {
            String(
                format: "%@  threads=%d  %@ %dx%d  median %8.2f ms  %d faces", runtime, threads,
                image.padding(toLength: 28, withPad: " ", startingAt: 0), width, height, medianMs, faces)
        }
    }

    /// (name, image): every JPEG of the folder made gray by `conversion` (luma as OpenCV's
    /// IMREAD_GRAYSCALE, rgb-weighted as its cvtColor), then each resized to 640x480 (bit-exact with
    /// cv2.resize INTER_LINEAR), named "<file>@640x480".
    public let images: [(name: String, image: GrayImage)]

    public init(folder: String, conversion: GrayConversion) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.lowercased().hasSuffix(".jpg") }.sorted()
        guard !files.isEmpty else { throw EvaluationError.noImages(root: folder) }
        let decoder = JPEGDecoder()
        let photos = try files.map { (name: $0, image: try decoder.decodeGray(contentsOf: folder + "/" + $0, conversion: conversion)) }
        images = photos + photos.map { ($0.name + "@640x480", BilinearResize.resize($0.image, width: 640, height: 480)) }
    }

    public func measure(cascade: HaarCascade, threads: Int, options: DetectionOptions, seconds: Double) -> [Measurement] {
        let detector = FaceDetector(cascade: cascade, threads: threads)
        let clock = ContinuousClock()
        return images.map { item in
            var faces = detector.detect(item.image, options: options).count
            var durations: [Double] = []
            let end = clock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
            while clock.now < end || durations.count < 3 {
                let start = clock.now
                faces = detector.detect(item.image, options: options).count
                let elapsed = clock.now - start
                durations.append(elapsed.inSeconds * 1e3)
            }
            return Measurement(
                runtime: "moodwire", threads: threads, image: item.name, width: item.image.width,
                height: item.image.height, medianMs: ClassifierBenchmark.median(durations), faces: faces)
        }
    }
}
