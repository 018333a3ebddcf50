import ArgumentParser
import CommandLineSupport
import FaceDetection
import StageOptions
import Testing

/// `moodwire up` passes each stage its options as flags rendered from the typed groups: what a
/// stage parses back must be what `up` was given, for every option.
@Suite struct StageArgumentsTests {
    /// Every stage option away from its default.
    static let given = [
        "--source", "door=rtsp://cam/1", "--source", "/media/clip.mp4", "--loop", "--fps", "12.5", "--window", "7", "--ack-timeout", "4.5",
        "--max-lag", "1.5", "--live-window", "3", "--stall-timeout", "6", "--max-backoff", "2", "--scale-factor", "1.2",
        "--min-neighbors", "4", "--min-size", "40", "--max-size", "300", "--gray", "luma", "--cascade", "/m/cascade.xml",
        "--detector-threads", "2", "--model", "/m/model.safetensors", "--batch", "8", "--flip-average", "--max-wait-ms", "5",
        "--resend-after", "2.5", "--classifier-threads", "3", "--db", "/d/results.db", "--max-batch", "64", "--max-delay-ms", "20",
        "--web-host", "::1", "--web-port", "8181", "--max-body-bytes", "1000", "--max-pixels", "2000", "--upload-timeout", "4",
        "--high-water-mark", "16"
    ]

    @Test func detectorGetsEveryDetectionOption() throws {
        let stages = try StageArguments.parse(Self.given)
        let rendered = stages.arguments(of: .detector)
        #expect(Self.value(of: "--threads", in: rendered) == "2")
        // The detector cuts face crops at the input size of the classifiers' model.
        #expect(Self.value(of: "--model", in: rendered) == "/m/model.safetensors")
        let detection = try DetectionArguments.parse(Self.removing("--model", from: Self.removing("--threads", from: rendered)))
        #expect(detection.options == DetectionOptions(scaleFactor: 1.2, minNeighbors: 4, minSize: 40, maxSize: 300))
        #expect(detection.gray == .luma)
        #expect(try detection.cascadePath() == "/m/cascade.xml")
    }

    @Test func classifierGetsEveryClassificationAndQueueOption() throws {
        let stages = try StageArguments.parse(Self.given)
        let rendered = Self.removing("--threads", from: stages.arguments(of: .classifier))
        let queueFlags = ["--max-wait-ms", "--resend-after"]
        let classification = try ClassificationArguments.parse(queueFlags.reduce(rendered) { Self.removing($1, from: $0) })
        #expect(try classification.model.path() == "/m/model.safetensors")
        #expect(classification.batch == 8)
        #expect(classification.flipAverage)
        #expect(classification.imagesPerRun == 16)
        let queue = try ClassifierQueueArguments.parse(queueFlags.flatMap { [$0, Self.value(of: $0, in: rendered) ?? ""] })
        #expect(queue.maxWaitMs == 5)
        #expect(queue.resendAfter == 2.5)
        #expect(Self.value(of: "--threads", in: stages.arguments(of: .classifier)) == "3")
    }

    @Test func ingestRecorderWebAndBrokerGetTheirOptions() throws {
        let stages = try StageArguments.parse(Self.given)
        let ingest = try SourceArguments.parse(stages.arguments(of: .ingest))
        #expect(ingest.sources == ["door=rtsp://cam/1", "/media/clip.mp4"])
        #expect(ingest.loop)
        #expect(
            [ingest.fps, ingest.ackTimeout, ingest.maxLag, ingest.stallTimeout, ingest.maxBackoff] == [12.5, 4.5, 1.5, 6, 2])
        #expect([ingest.window, ingest.liveWindow] == [7, 3])

        let recorderFlags = stages.arguments(of: .recorder)
        let database = try DatabaseArguments.parse(Array(recorderFlags.prefix(2)))
        let recorder = try RecorderArguments.parse(Array(recorderFlags.dropFirst(2)))
        #expect(database.db == "/d/results.db")
        #expect([recorder.maxBatch, recorder.maxDelayMs] == [64, 20])

        let webFlags = stages.arguments(of: .web)
        #expect(try DatabaseArguments.parse(Array(webFlags.prefix(2))).db == "/d/results.db")
        let web = try WebArguments.parse(Array(webFlags.dropFirst(2)))
        #expect(web.webHost == "::1" && web.webPort == 8181 && web.maxBodyBytes == 1000 && web.maxPixels == 2000)
        #expect(web.uploadTimeout == 4)
        #expect(web.url == "http://[::1]:8181/")

        #expect(try BrokerArguments.parse(stages.arguments(of: .broker)).highWaterMark == 16)
    }

    @Test func renderedDefaultsParseToTheDefaults() throws {
        let stages = try StageArguments.parse([])
        let rendered = stages.arguments(of: .detector)
        let detection = try DetectionArguments.parse(Self.removing("--model", from: Self.removing("--threads", from: rendered)))
        #expect(detection.options == DetectionOptions())
        #expect(try SourceArguments.parse(stages.arguments(of: .ingest)).sources == stages.ingest.sources)
    }

    @Test(arguments: [
        ["--min-size", "0"], ["--scale-factor", "1"], ["--max-size", "20", "--min-size", "30"], ["--batch", "0"], ["--fps", "-1"],
        ["--detector-threads", "0"], ["--web-port", "70000"], ["--gray", "sepia"]
    ])
    func invalidOptionsAreRefused(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try StageArguments.parse(arguments) }
    }

    static func value(of flag: String, in arguments: [String]) -> String? {
        arguments.firstIndex(of: flag).map { arguments[$0 + 1] }
    }

    /// `arguments` without `flag` and its value.
    static func removing(_ flag: String, from arguments: [String]) -> [String] {
        guard let index = arguments.firstIndex(of: flag) else { return arguments }
        return Array(arguments[..<index] + arguments[(index + 2)...])
    }
}
