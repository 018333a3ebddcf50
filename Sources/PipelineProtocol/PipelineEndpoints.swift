/// Where the pipeline's stable parts listen. The broker binds the frame and face queues, the
/// recorder binds the results queue and the acknowledgement feed; ingests and workers connect.
/// Ports are consecutive from `basePort`, so a whole stack moves with one number.
public struct PipelineEndpoints: Sendable, Equatable {
    /// Host the broker runs on, for the sides that connect to it.
    public var brokerHost: String
    /// Host the recorder runs on, for the sides that connect to it.
    public var recorderHost: String
    /// Interface the binding side listens on (0.0.0.0 in containers).
    public var bindHost: String
    /// First of the eight ports: frames in, frames out, faces in, faces out, results, acks, previews
    /// in, previews out.
    public var basePort: Int

    public init(
        brokerHost: String = "127.0.0.1", recorderHost: String = "127.0.0.1", bindHost: String = "127.0.0.1",
        basePort: Int = 5550
    ) {
        self.brokerHost = brokerHost
        self.recorderHost = recorderHost
        self.bindHost = bindHost
        self.basePort = basePort
    }

    public enum Queue: Int, CaseIterable, Sendable {
        /// broker PULL ← ingest PUSH
        case framesIn = 0
        /// broker PUSH → detector PULL
        case framesOut = 1
        /// broker PULL ← detector PUSH
        case facesIn = 2
        /// broker PUSH → classifier PULL
        case facesOut = 3
        /// recorder PULL ← classifier PUSH
        case results = 4
        /// recorder PUB → ingest and supervisor SUB
        case acks = 5
        /// broker XSUB ← ingest PUB (frames for live viewers)
        case previewsIn = 6
        /// broker XPUB → web SUB
        case previewsOut = 7

        var boundByRecorder: Bool { self == .results || self == .acks }
    }

    public func port(_ queue: Queue) -> Int { basePort + queue.rawValue }

    public func connect(_ queue: Queue) -> String {
        "tcp://\(queue.boundByRecorder ? recorderHost : brokerHost):\(port(queue))"
    }

    public func bind(_ queue: Queue) -> String { "tcp://\(bindHost):\(port(queue))" }
}
