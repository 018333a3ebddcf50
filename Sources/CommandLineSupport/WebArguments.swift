import ArgumentParser

/// Where the web page listens and what it accepts: the options of `moodwire-web` and `up`,
/// declared once.
public struct WebArguments: ParsableArguments, Sendable {
    @Option(help: "Interface the web page listens on; 0.0.0.0 for all (env MOODWIRE_WEB_HOST).")
    public var webHost: String = environment("WEB_HOST") ?? "127.0.0.1"

    @Option(help: "Port of the web page and API (env MOODWIRE_WEB_PORT).")
    public var webPort: Int = environment("WEB_PORT", Int.init) ?? 8080

    @Option(help: "Largest request body in bytes (env MOODWIRE_MAX_BODY_BYTES).")
    public var maxBodyBytes: Int = environment("MAX_BODY_BYTES", Int.init) ?? 10 << 20

    @Option(help: "Largest uploaded image in pixels (env MOODWIRE_MAX_PIXELS).")
    public var maxPixels: Int = environment("MAX_PIXELS", Int.init) ?? 50_000_000

    @Option(help: "Seconds an upload waits for its result before answering 504 (env MOODWIRE_UPLOAD_TIMEOUT).")
    public var uploadTimeout: Double = environment("UPLOAD_TIMEOUT", Double.init) ?? 10

    public init() {}

    public func validate() throws {
        guard (1...65535).contains(webPort) else { throw ValidationError("--web-port must be between 1 and 65535") }
        guard maxBodyBytes > 0, maxPixels > 0, uploadTimeout > 0 else {
            throw ValidationError("--max-body-bytes, --max-pixels and --upload-timeout must be positive")
        }
    }

    /// The page's address, for people.
    public var url: String {
        let host = webHost == "0.0.0.0" || webHost == "::" ? "127.0.0.1" : webHost
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(webPort)/"
    }

    /// These options as command-line arguments, for a web process started by `up`.
    public var arguments: [String] {
        [
            "--web-host", webHost, "--web-port", "\(webPort)", "--max-body-bytes", "\(maxBodyBytes)", "--max-pixels", "\(maxPixels)",
            "--upload-timeout", "\(uploadTimeout)"
        ]
    }
}
