/// How sources are opened: the settings the ingest's flags give to every source.
public struct SourceOptions: Sendable {
    /// Start again at the beginning after the last frame, seq numbers still increasing (default
    /// false: a source ends after one pass). For demos and load tests on a short clip.
    public var loop: Bool
    /// The ffmpeg executable for video files: a path, or a name looked up in PATH (default nil:
    /// "ffmpeg" from PATH). For builds of ffmpeg outside PATH, e.g. one with more codecs. Used for
    /// video files and live sources.
    public var ffmpegPath: String?

    /// Watching and reconnecting cameras and streams.
    public var live: LiveStreamOptions

    public init(loop: Bool = false, ffmpegPath: String? = nil, live: LiveStreamOptions = LiveStreamOptions()) {
        self.loop = loop
        self.ffmpegPath = ffmpegPath
        self.live = live
    }
}
