import Evaluation
import FaceDetection
import Foundation
import Imaging
import Timing

/// `moodwire bench detector`: median time of one `detect` call per image, at given thread counts:
/// for the Haar detector on the shared photos and each of them resized to 640x480, for BlazeFace on
/// the photos in colour.
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
        return images.map { item in
            let (median, faces) = Self.time(seconds: seconds) { detector.detect(item.image, options: options).count }
            return Measurement(
                runtime: "moodwire", threads: threads, image: item.name, width: item.image.width, height: item.image.height,
                medianMs: median, faces: faces)
        }
    }

    /// The JPEG photos of `folder` in colour, for BlazeFace (which letterboxes any frame size into
    /// its input, so its time hardly depends on the photo's size).
    public static func colorPhotos(folder: String) throws -> [(name: String, image: RGBImage)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.lowercased().hasSuffix(".jpg") }.sorted()
        guard !files.isEmpty else { throw EvaluationError.noImages(root: folder) }
        let decoder = ImageDecoder()
        return try files.map { (name: $0, image: try decoder.decodeRGB(contentsOf: folder + "/" + $0)) }
    }

    public static func measure(
        blazeFace detector: BlazeFaceDetector, photos: [(name: String, image: RGBImage)], threads: Int, minScore: Double?, seconds: Double
    ) -> [Measurement] {
        photos.map { item in
            let (median, faces) = time(seconds: seconds) { detector.detect(item.image, minScore: minScore).count }
            return Measurement(
                runtime: "moodwire", threads: threads, image: item.name, width: item.image.width, height: item.image.height,
                medianMs: median, faces: faces)
        }
    }

    /// The median milliseconds of `detect` over at least `seconds` (and three runs), after one
    /// untimed run, and the faces it found.
    static func time(seconds: Double, _ detect: () -> Int) -> (medianMs: Double, faces: Int) {
        let clock = ContinuousClock()
        var faces = detect()
        var durations: [Double] = []
        let end = clock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while clock.now < end || durations.count < 3 {
            let start = clock.now
            faces = detect()
            durations.append((clock.now - start).inSeconds * 1e3)
        }
        return (ClassifierBenchmark.median(durations), faces)
    }
}
