// swift-tools-version:6.0
import PackageDescription

/// Hot numeric loops run without overflow and bounds traps in release builds; shapes are validated
/// once when a model loads, not on every element. The kernels use explicit SIMD, compiled for the
/// CPU of the machine that builds (like llama.cpp's native builds): set MOODWIRE_TARGET_CPU to build
/// for another, e.g. `haswell` (AVX2 + FMA) for a portable x86-64 image.
let targetCPU = Context.environment["MOODWIRE_TARGET_CPU"] ?? "native"

let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", targetCPU], .when(configuration: .release))
]

let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")

let package = Package(
    name: "Moodwire",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moodwire", targets: ["moodwire"]),
        .library(name: "NeuralNetwork", targets: ["NeuralNetwork"]),
        .library(name: "FaceDetection", targets: ["FaceDetection"]),
        .library(name: "EmotionClassification", targets: ["EmotionClassification"]),
        .executable(name: "moodwire-broker", targets: ["moodwire-broker"]),
        .executable(name: "moodwire-ingest", targets: ["moodwire-ingest"]),
        .executable(name: "moodwire-detector", targets: ["moodwire-detector"]),
        .executable(name: "moodwire-classifier", targets: ["moodwire-classifier"]),
        .executable(name: "moodwire-recorder", targets: ["moodwire-recorder"]),
        .executable(name: "moodwire-web", targets: ["moodwire-web"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2")
    ],
    targets: [
        // C libraries, one system-library target each.
        .systemLibrary(
            name: "CTurboJPEG",
            pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]
        ),
        .systemLibrary(
            name: "CSPNG",
            pkgConfig: "spng",
            providers: [.apt(["libspng-dev"])]
        ),
        // No pkgConfig: Debian's libzmq.pc adds Kerberos -isystem flags that SwiftPM refuses; the
        // header is in /usr/include.
        .systemLibrary(
            name: "CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // ── Pure libraries: no ZeroMQ, HTTP or command line. ──
        // Duration conversions for the C APIs, the wire and the reports.
        .target(name: "Timing"),
        // JSON string literals and CSV fields for hand-written output.
        .target(name: "TextFormats"),
        // Gray and RGB images, JPEG/PNG codecs, one format sniff, a header reader, EXIF orientation, OpenCV-exact resizes.
        .target(name: "Imaging", dependencies: ["CTurboJPEG", "CSPNG"], swiftSettings: numericSettings),
        // The thread team the numeric kernels share.
        .target(name: "Parallelism", swiftSettings: numericSettings),
        // The model file format (safetensors with the layer graph and labels), validated on load; no BLAS,
        // so that a stage that only reads a model's shape does not load OpenBLAS.
        .target(name: "ModelFormat"),
        // The CNN runtime on OpenBLAS (loaded at run time, see OpenBLAS.swift): layers, inference session.
        .target(
            name: "NeuralNetwork", dependencies: ["ModelFormat", "Parallelism", "Timing", log], swiftSettings: numericSettings),
        // The training engine: layers with training-mode forward and backward passes, the loss, the graph.
        .target(name: "Training", dependencies: ["Imaging", "ModelFormat", "NeuralNetwork", "Parallelism", "Timing"], swiftSettings: numericSettings),
        // Viola-Jones face detection with OpenCV's semantics, and fer's face crop.
        .target(name: "FaceDetection", dependencies: ["Imaging", "ModelFormat", "NeuralNetwork", "Parallelism"], swiftSettings: numericSettings),
        // Emotions, scores and face results with their printed forms: what every consumer of results shares.
        .target(name: "Results", dependencies: ["Imaging"]),
        // The emotion classifier on the CNN runtime.
        .target(
            name: "EmotionClassification", dependencies: ["ModelFormat", "NeuralNetwork", "Imaging", "Results", log],
            swiftSettings: numericSettings),
        // Detector and classifier in one process: `moodwire analyze`.
        .target(name: "Analysis", dependencies: ["FaceDetection", "EmotionClassification", "Imaging", "Results"]),
        // Labelled-folder evaluation, confusion matrix, detection quality.
        .target(
            name: "Evaluation", dependencies: ["EmotionClassification", "Imaging", "Results", .product(name: "Crypto", package: "swift-crypto")]),
        // SQLite connections and prepared statements with typed errors.
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        // The results schema and store, and the read-only query and report.
        .target(name: "ResultDatabase", dependencies: ["SQLite", "Imaging", "Results", "PipelineProtocol", "TextFormats"]),
        // One child-process type: posix_spawn, process groups, piped output, exit status; the
        // sysexits statuses the stages end with.
        .target(name: "Processes"),

        // ── Infrastructure ──
        // The wire protocol between the stages and its endpoints.
        .target(name: "PipelineProtocol", dependencies: ["Imaging", "Results"]),
        // ZeroMQ sockets with typed errors, the broker's proxy devices, the dedicated-thread service
        // loop every stage runs in, and the retransmit window.
        .target(name: "Messaging", dependencies: ["CZeroMQ", "PipelineProtocol", "Timing", log, metrics, lifecycle]),
        // /metrics and /healthz on a small HTTP port, health states, JSON log lines.
        .target(
            name: "Observability",
            dependencies: [
                "TextFormats", "Timing", hummingbird, log, metrics, lifecycle,
                .product(name: "Prometheus", package: "swift-prometheus")
            ]),
        // Option groups declared once, environment variables, configuration errors, progress bar, model lookup.
        .target(
            name: "CommandLineSupport",
            dependencies: ["PipelineProtocol", "Observability", "Processes", "Timing", argumentParser, log, lifecycle]),
        // The option groups that need the libraries (face detection) and `StageArguments`, every stage's
        // options for `moodwire up`: apart from CommandLineSupport, so that the other stages link no
        // detector (and its XML parser).
        .target(name: "StageOptions", dependencies: ["CommandLineSupport", "FaceDetection", "Imaging", argumentParser]),

        // ── Stages: libraries wrapped into ZeroMQ services ──
        // Frame sources (image files, folders, video files and live streams through ffmpeg) and the ingest stage.
        .target(name: "Ingest", dependencies: ["Imaging", "PipelineProtocol", "Messaging", "Processes", "Timing", log, metrics]),
        .target(name: "DetectorStage", dependencies: ["FaceDetection", "Imaging", "PipelineProtocol", "Messaging", "Timing", log, metrics]),
        .target(
            name: "ClassifierStage",
            dependencies: ["EmotionClassification", "Imaging", "Results", "PipelineProtocol", "Messaging", "Timing", log, metrics]),
        .target(name: "Recorder", dependencies: ["ResultDatabase", "PipelineProtocol", "Messaging", "Timing", log, metrics]),
        // The web service: upload page and JSON API through the pipeline, live view, history.
        .target(
            name: "Web",
            dependencies: [
                "Imaging", "Results", "TextFormats", "Timing", "SQLite", "PipelineProtocol", "Messaging", hummingbird,
                .product(name: "HummingbirdCore", package: "hummingbird"), log, metrics
            ],
            resources: [.copy("Assets")]),
        // `moodwire up`: every stage as a supervised child process on loopback.
        .target(name: "Supervisor", dependencies: ["StageOptions", "Imaging", "Processes", "PipelineProtocol", "Messaging", "Timing", log]),
        // Every `moodwire bench` command, each against a named reference in the same run.
        .target(
            name: "Benchmarks",
            dependencies: [
                "Imaging", "ModelFormat", "NeuralNetwork", "FaceDetection", "EmotionClassification", "Training",
                "Evaluation", "Results", "ResultDatabase", "PipelineProtocol", "Messaging", "Processes",
                "Ingest", "DetectorStage", "ClassifierStage", "Supervisor", "CommandLineSupport", "StageOptions",
                "Timing", log
            ],
            // The peak-throughput loop is measured as the kernels are compiled.
            swiftSettings: numericSettings),

        // ── Executables: a thin @main each ──
        .executableTarget(
            name: "moodwire-broker", dependencies: ["CommandLineSupport", "Messaging", argumentParser, log],
            path: "Sources/Executables/moodwire-broker"),
        .executableTarget(
            name: "moodwire-ingest", dependencies: ["CommandLineSupport", "Ingest", "Messaging", "Processes", argumentParser, log],
            path: "Sources/Executables/moodwire-ingest"),
        .executableTarget(
            name: "moodwire-detector",
            dependencies: [
                "CommandLineSupport", "StageOptions", "Imaging", "DetectorStage", "FaceDetection", "ModelFormat", "PipelineProtocol", argumentParser,
                log
            ],
            path: "Sources/Executables/moodwire-detector"),
        .executableTarget(
            name: "moodwire-classifier",
            dependencies: ["CommandLineSupport", "Messaging", "ClassifierStage", "EmotionClassification", argumentParser, log],
            path: "Sources/Executables/moodwire-classifier"),
        .executableTarget(
            name: "moodwire-recorder", dependencies: ["CommandLineSupport", "Messaging", "ResultDatabase", "Recorder", argumentParser, log],
            path: "Sources/Executables/moodwire-recorder"),
        .executableTarget(
            name: "moodwire-web", dependencies: ["CommandLineSupport", "Web", "Observability", argumentParser, log, lifecycle],
            path: "Sources/Executables/moodwire-web"),
        .executableTarget(
            name: "moodwire",
            dependencies: [
                "Imaging", "FaceDetection", "EmotionClassification", "Results", "Analysis",
                "Evaluation", "ResultDatabase", "NeuralNetwork", "Ingest", "Supervisor", "Web", "Observability",
                "Benchmarks", "CommandLineSupport", "StageOptions", "ModelFormat", "Training", argumentParser, log
            ],
            path: "Sources/Executables/moodwire"),

        // ── Tests: one target per library, and the shared support target ──
        .target(
            name: "TestSupport", dependencies: ["CommandLineSupport", "Imaging", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/TestSupport"),
        .testTarget(name: "TimingTests", dependencies: ["Timing"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ResultsTests", dependencies: ["Results"]),
        .testTarget(name: "TextFormatsTests", dependencies: ["TextFormats"]),
        .testTarget(
            name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", "EmotionClassification", "Imaging", "Results", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "ModelFormat", "NeuralNetwork"]),
        .testTarget(
            name: "FaceDetectionTests", dependencies: ["FaceDetection", "Imaging", "ModelFormat", "NeuralNetwork", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "AnalysisTests", dependencies: ["Analysis", "FaceDetection", "EmotionClassification", "Imaging", "Results", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "EvaluationTests", dependencies: ["Evaluation", "EmotionClassification", "ModelFormat", "Imaging", "Results", "TestSupport"]),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite", "TestSupport"]),
        .testTarget(
            name: "ResultDatabaseTests", dependencies: ["ResultDatabase", "SQLite", "Imaging", "Results", "PipelineProtocol", "TestSupport", log]),
        .testTarget(name: "PipelineProtocolTests", dependencies: ["PipelineProtocol", "Imaging"]),
        .testTarget(name: "MessagingTests", dependencies: ["Messaging", "PipelineProtocol", "Timing", log]),
        .testTarget(
            name: "ObservabilityTests",
            dependencies: [
                "Observability", log, metrics, lifecycle,
                .product(name: "HummingbirdTesting", package: "hummingbird")
            ]),
        .testTarget(
            name: "CommandLineSupportTests", dependencies: ["CommandLineSupport", "Processes", "TestSupport", argumentParser]),
        .testTarget(name: "StageOptionsTests", dependencies: ["StageOptions", "CommandLineSupport", "FaceDetection", argumentParser]),
        .testTarget(
            name: "IngestTests", dependencies: ["Ingest", "Imaging", "PipelineProtocol", "Messaging", "Processes", "TestSupport"],
            exclude: ["RTSP"]),
        .testTarget(name: "DetectorStageTests", dependencies: ["DetectorStage", "FaceDetection", "Imaging", "PipelineProtocol", "TestSupport", log]),
        .testTarget(
            name: "ClassifierStageTests",
            dependencies: [
                "ClassifierStage", "EmotionClassification", "Imaging", "PipelineProtocol",
                "Messaging", "Timing", "TestSupport"
            ]),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Web", "Observability", "Imaging", "PipelineProtocol", "Messaging", "ResultDatabase", "TestSupport", log, hummingbird,
                .product(name: "HummingbirdTesting", package: "hummingbird")
            ]),
        .testTarget(
            name: "SupervisorTests",
            dependencies: ["Supervisor", "StageOptions", "Processes", "Messaging", "PipelineProtocol", "SQLite", "Timing", "TestSupport", log],
            exclude: ["Browser"]),
        .testTarget(
            name: "BenchmarksTests", dependencies: ["Benchmarks", "Evaluation", "Imaging", "ResultDatabase", "SQLite", "Training", "TestSupport", log]
        )
    ],
    swiftLanguageModes: [.v6]
)
