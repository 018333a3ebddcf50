/// How live sources (cameras, streams) are watched and restarted.
public struct LiveStreamOptions: Sendable {
    /// No frame for this long means the stream is dead even if ffmpeg still runs (a camera that
    /// froze, a half-open TCP connection): ffmpeg is stopped and started again (default 10 s).
    public var stallTimeout: Duration
    /// The first wait before reconnecting; it doubles with each failure in a row (default 0.5 s).
    public var initialBackoff: Duration
    /// The longest wait between attempts (default 30 s).
    public var maximumBackoff: Duration
    /// Captured frames waiting for the pipeline; older ones are dropped when a new one arrives
    /// (default 4: a fraction of a second of video, so that results stay current).
    public var bufferedFrames: Int
    /// Called on the capture thread at every state change (for health reports).
    public var stateChanged: @Sendable (_ source: String, _ state: LiveSourceState) -> Void

    public init(
        stallTimeout: Duration = .seconds(10), initialBackoff: Duration = .milliseconds(500),
        maximumBackoff: Duration = .seconds(30), bufferedFrames: Int = 4,
        stateChanged: @escaping @Sendable (String, LiveSourceState) -> Void = { _, _ in }
    ) {
        self.stallTimeout = stallTimeout
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.bufferedFrames = bufferedFrames
        self.stateChanged = stateChanged
    }
}
