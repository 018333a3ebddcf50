// swift-tools-version:6.0
import PackageDescription

/// Hot numeric loops run without overflow and bounds traps in release builds; shapes are validated
/// once when a model loads, not on every element. The kernels use explicit SIMD, compiled for the
/// CPU of the machine that builds (like llama.cpp's native builds): set MOODWIRE_TARGET_CPU to build
/// for another, e.g. `haswell` (AVX2 + FMA) for a portable x86-64 image.
let targetCPU = Context.environment["MOODWIRE_TARGET_CPU"] ?? "native"

let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", targetCPU], .when(configuration: .release)),
]

let package = Package(
    name: "Moodwire",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "moodwire", targets: ["moodwire"]),
        .library(name: "Classifier", targets: ["Classifier"]),
        .library(name: "Shared", targets: ["Shared"]),
        .executable(name: "moodwire-broker", targets: ["moodwire-broker"]),
        .executable(name: "moodwire-ingest", targets: ["moodwire-ingest"]),
        .executable(name: "moodwire-detector", targets: ["moodwire-detector"]),
        .executable(name: "moodwire-classifier", targets: ["moodwire-classifier"]),
        .executable(name: "moodwire-recorder", targets: ["moodwire-recorder"]),
        .executable(name: "moodwire-web", targets: ["moodwire-web"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
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

        // ZeroMQ sockets with typed errors, the broker's proxy devices, and the dedicated-thread
        // service loop every stage runs in.
        .target(
            name: "Messaging",
            dependencies: [
                "CZeroMQ",
                "Shared",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // SQLite connections and prepared statements with typed errors.
        .target(
            name: "SQLite",
            dependencies: ["CSQLite"]
        ),

        // Images, labels, model locations and terminal helpers shared by every stage.
        .target(
            name: "Shared",
            dependencies: [
                "CTurboJPEG",
                "CSPNG",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: numericSettings
        ),
        // The CNN runtime on OpenBLAS and the emotion classifier built on it.
        .target(
            name: "Classifier",
            dependencies: [
                "Shared",
                "COpenBLAS",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: numericSettings
        ),
        // Viola-Jones face detection with OpenCV's semantics.
        .target(
            name: "Detector",
            dependencies: [
                "Shared",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: numericSettings
        ),
        // Frame sources (image files, folders, video files through ffmpeg) and the ingest stage.
        .target(
            name: "Ingest",
            dependencies: [
                "Shared",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The SQLite results store, the recorder stage, and the read-only query and report.
        .target(
            name: "Recorder",
            dependencies: [
                "Shared",
                "Messaging",
                "SQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The web service: upload page and JSON API through the pipeline, live view, history.
        .target(
            name: "Web",
            dependencies: [
                "Shared",
                "Messaging",
                "Analysis",
                "Classifier",
                "Recorder",
                "SQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Assets")]
        ),
        // `moodwire up`: every stage as a supervised child process on loopback.
        .target(
            name: "Supervisor",
            dependencies: [
                "Shared",
                "Messaging",
                "Recorder",
                "Ingest",
                "Detector",
                "Classifier",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Detector and classifier in one process: `moodwire analyze`.
        .target(
            name: "Analysis",
            dependencies: ["Shared", "Detector", "Classifier"]
        ),
        // `moodwire eval` and `moodwire bench`: labelled-folder evaluation, metrics and benchmarks
        // of the classifier and the detector.
        .target(
            name: "Evaluation",
            dependencies: [
                "Shared",
                "Classifier",
                "Detector",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // /metrics and /healthz on a small HTTP port, health states, JSON log lines: what every
        // service exposes to operators.
        .target(
            name: "Observability",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // Flags with environment-variable equivalents and logging set-up for every executable.
        .target(
            name: "ServiceCommand",
            dependencies: [
                "Messaging",
                "Observability",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Executables/ServiceCommand"
        ),
        .executableTarget(
            name: "moodwire-broker",
            dependencies: [
                "ServiceCommand", "Shared", "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/moodwire-broker"
        ),
        .executableTarget(
            name: "moodwire-ingest",
            dependencies: [
                "ServiceCommand", "Shared", "Ingest", "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/moodwire-ingest"
        ),
        .executableTarget(
            name: "moodwire-detector",
            dependencies: [
                "ServiceCommand", "Shared", "Detector", "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/moodwire-detector"
        ),
        .executableTarget(
            name: "moodwire-classifier",
            dependencies: [
                "ServiceCommand", "Shared", "Classifier", "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/moodwire-classifier"
        ),
        .executableTarget(
            name: "moodwire-recorder",
            dependencies: [
                "ServiceCommand", "Shared", "Recorder", "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/moodwire-recorder"
        ),
        .executableTarget(
            name: "moodwire-web",
            dependencies: [
                "ServiceCommand", "Shared", "Web", "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Executables/moodwire-web"
        ),
        .executableTarget(
            name: "moodwire",
            dependencies: [
                "Shared",
                "Classifier",
                "Evaluation",
                "Analysis",
                "Detector",
                "Recorder",
                "Ingest",
                "Supervisor",
                "Web",
                "ServiceCommand",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Executables/moodwire"
        ),

        .testTarget(name: "SharedTests", dependencies: ["Shared"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ClassifierTests", dependencies: ["Classifier", "Shared", "Messaging"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Detector", "Classifier", "Shared"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DetectorTests", dependencies: ["Detector", "Shared", .product(name: "Logging", package: "swift-log")], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Classifier", "Shared"]),
        .testTarget(name: "MessagingTests", dependencies: ["Messaging", "Shared", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability", .product(name: "Logging", package: "swift-log"),
                                                           .product(name: "Metrics", package: "swift-metrics"),
                                                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                                                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Shared", "Messaging"], exclude: ["RTSP"]),
        .testTarget(name: "RecorderTests", dependencies: ["Recorder", "SQLite", "Shared"]),
        .testTarget(name: "WebTests", dependencies: ["Web", "Shared", "Messaging", "Recorder", .product(name: "Logging", package: "swift-log"),
                                                 .product(name: "Hummingbird", package: "hummingbird"),
                                                 .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "Messaging", "Shared", "SQLite", .product(name: "Logging", package: "swift-log")],
                    exclude: ["Browser"]),
    ],
    swiftLanguageModes: [.v6]
)
