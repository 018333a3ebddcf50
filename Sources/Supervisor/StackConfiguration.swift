import Logging
import StageOptions

/// What `moodwire up` starts: every stage as its own process on loopback.
public struct StackConfiguration: Sendable {
    /// Every stage's own options (sources, detection, classification, recorder, web, broker),
    /// passed on as the stage executables' flags.
    public var stages: StageArguments
    /// Where the `moodwire-*` stage executables are (normally beside `moodwire`).
    public var executableDirectory: String
    public var detectors: Int
    public var classifiers: Int
    /// Start the web service (its port and limits are in `stages.web`).
    public var runsWeb: Bool
    /// First of the eight consecutive loopback ports the stack uses.
    public var basePort: Int
    /// Keep the stack up after every file source is recorded, until Ctrl-C.
    public var keepRunning: Bool
    /// Log level of the stages (their logs go to standard error).
    public var logLevel: Logger.Level
    /// How long the sources wait for a probe frame to come back through the stages before they
    /// start anyway.
    public var probeTimeout: Duration = .seconds(60)
    /// How long each stage may take to stop before it is killed.
    public var stopTimeout: Duration
    /// Redraw a status line on standard error (on a terminal).
    public var showProgress: Bool
    /// Keep every frame's capture-to-recorded latency in the summary (benchmarks).
    public var collectLatencies: Bool
    /// Frames the sources hold in one pass, when known, for the progress line.
    public var expectedFrames: Int?
    /// First of the consecutive loopback ports where the stages serve `/metrics` and `/healthz`,
    /// one per process in start order (broker, recorder, detectors, classifiers, web, ingest);
    /// nil serves none.
    public var metricsBasePort: Int?

    public init(
        stages: StageArguments, executableDirectory: String, detectors: Int = 1, classifiers: Int = 1, runsWeb: Bool = false,
        basePort: Int = 5550, keepRunning: Bool = false, logLevel: Logger.Level = .warning, stopTimeout: Duration = .seconds(10),
        showProgress: Bool = false, collectLatencies: Bool = false, expectedFrames: Int? = nil, metricsBasePort: Int? = nil
    ) {
        self.stages = stages
        self.executableDirectory = executableDirectory
        self.detectors = detectors
        self.classifiers = classifiers
        self.runsWeb = runsWeb
        self.basePort = basePort
        self.keepRunning = keepRunning
        self.logLevel = logLevel
        self.stopTimeout = stopTimeout
        self.showProgress = showProgress
        self.collectLatencies = collectLatencies
        self.expectedFrames = expectedFrames
        self.metricsBasePort = metricsBasePort
    }
}

/// What a run of the stack did.
public struct StackSummary: Sendable {
    /// Frames and faces acknowledged by the recorder during this run, per source.
    public var frames: [String: Int] = [:]
    public var faces: [String: Int] = [:]
    public var elapsed: Duration = .zero
    /// Restarts per stage.
    public var restarts: [String: Int] = [:]
    /// True when every file source was read to its end and recorded.
    public var completed = false
    /// True when the ingest reported that a source failed part-way.
    public var sourceFailed = false
    /// Since the start, when the first and the last acknowledgement arrived.
    public var firstAck: Duration?
    public var lastAck: Duration?
    /// Seconds from capture to the recorder's acknowledgement, per frame (with `collectLatencies`).
    public var latencies: [Double] = []
    /// Highest resident memory seen per stage process, in bytes (sampled every second).
    public var peakResidentBytes: [String: Int] = [:]

    public var totalFrames: Int { frames.values.reduce(0, +) }
    public var totalFaces: Int { faces.values.reduce(0, +) }
}
