import PipelineProtocol

/// What the web service serves and where it finds the rest of the stack.
public struct WebConfiguration: Sendable {
    /// Interface and port to listen on.
    public var host: String
    public var port: Int
    /// The recorder's SQLite file, read-only (history and results API).
    public var databasePath: String
    /// The broker and the recorder: uploads go to the frame queue, results come from the feed.
    public var endpoints: PipelineEndpoints
    /// Largest request body accepted (413 above it).
    public var maxBodyBytes: Int
    /// Largest image accepted, in pixels (422 above it).
    public var maxPixels: Int
    /// How long an upload waits for its results (504 after it: the pipeline is down or overloaded).
    public var uploadTimeout: Duration
    /// The source id uploads are recorded under.
    public var uploadSource: String

    public init(
        host: String = "127.0.0.1", port: Int = 8080, databasePath: String = "moodwire.db",
        endpoints: PipelineEndpoints = PipelineEndpoints(), maxBodyBytes: Int = 10 << 20,
        maxPixels: Int = 50_000_000, uploadTimeout: Duration = .seconds(10), uploadSource: String = "upload"
    ) {
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.endpoints = endpoints
        self.maxBodyBytes = maxBodyBytes
        self.maxPixels = maxPixels
        self.uploadTimeout = uploadTimeout
        self.uploadSource = uploadSource
    }
}
