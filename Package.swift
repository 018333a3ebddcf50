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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: numericSettings
        ),
        // Viola-Jones face detection with OpenCV's semantics.
        .target(
            name: "Detector",
            dependencies: ["Shared"],
            swiftSettings: numericSettings
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

        .executableTarget(
            name: "moodwire",
            dependencies: [
                "Shared",
                "Classifier",
                "Evaluation",
                "Analysis",
                "Detector",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Executables/moodwire"
        ),

        .testTarget(name: "SharedTests", dependencies: ["Shared"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ClassifierTests", dependencies: ["Classifier", "Shared"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "Detector", "Classifier", "Shared"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DetectorTests", dependencies: ["Detector", "Shared"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Classifier", "Shared"]),
    ],
    swiftLanguageModes: [.v6]
)
