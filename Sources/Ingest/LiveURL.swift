import Foundation
import Timing

/// A camera or stream location as ffmpeg reads it, and as it may be shown: the password of a
/// `scheme://user:password@host/…` URL never reaches a log line, an error or the database.
public struct LiveURL: Sendable, Hashable, CustomStringConvertible {
    /// What the user wrote, credentials included: passed to ffmpeg only.
    public let location: String

    public init(_ location: String) {
        self.location = location
    }

    /// The location with a URL's password replaced by `***` (the user name is kept: it tells which
    /// account a camera is read with and is not a secret).
    public var redacted: String {
        guard let userInfo = userInfoRange else { return location }
        let info = location[userInfo]
        guard let colon = info.firstIndex(of: ":") else { return location }
        return location.replacingCharacters(in: colon..<userInfo.upperBound, with: ":***")
    }

    public var description: String { redacted }

    /// A V4L2 device (`v4l2:/dev/video0`), not a network stream.
    public var isDevice: Bool { location.lowercased().hasPrefix("v4l2:") }

    /// `host[:port]/path` without scheme, credentials or query: the default source name.
    public var defaultName: String {
        if isDevice { return String(location.dropFirst("v4l2:".count)).split(separator: "/").last.map(String.init) ?? "camera" }
        var rest = Substring(location)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let at = rest.firstIndex(of: "@"), !rest[..<at].contains("/") { rest = rest[rest.index(after: at)...] }
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        return rest.isEmpty ? "stream" : String(rest)
    }

    /// ffmpeg's input options for this location. RTSP goes over TCP (interleaved): over lossy
    /// UDP a camera's frames arrive torn, and many networks block the UDP ports. `timeout` makes
    /// ffmpeg itself give up on a silent server (µs); the ingest's own stall watch covers the rest.
    func ffmpegInputArguments(ioTimeout: Duration) -> [String] {
        let lowered = location.lowercased()
        let microseconds = String(ioTimeout.wireMicroseconds)
        if isDevice {
            return ["-f", "v4l2", "-i", String(location.dropFirst("v4l2:".count))]
        }
        if lowered.hasPrefix("rtsp://") || lowered.hasPrefix("rtsps://") {
            return ["-rtsp_transport", "tcp", "-timeout", microseconds, "-i", location]
        }
        // http(s): MJPEG cameras and HLS playlists; reconnect options would hide a dead camera
        // from the ingest's state, so a failure ends ffmpeg and the ingest's back-off takes over.
        return ["-rw_timeout", microseconds, "-i", location]
    }

    /// `text` with every occurrence of this URL's password replaced, for ffmpeg's messages,
    /// which quote the URL they failed on.
    func redacting(_ text: String) -> String {
        guard let password else { return text }
        return text.replacingOccurrences(of: location, with: redacted).replacingOccurrences(of: password, with: "***")
    }

    private var password: String? {
        guard let userInfo = userInfoRange, let colon = location[userInfo].firstIndex(of: ":") else { return nil }
        let secret = location[location.index(after: colon)..<userInfo.upperBound]
        return secret.isEmpty ? nil : String(secret)
    }

    /// The `user:password` between `://` and the `@` that ends the authority, if any.
    private var userInfoRange: Range<String.Index>? {
        guard let scheme = location.range(of: "://") else { return nil }
        let authorityEnd = location[scheme.upperBound...].firstIndex(where: { "/?#".contains($0) }) ?? location.endIndex
        guard let at = location[scheme.upperBound..<authorityEnd].lastIndex(of: "@") else { return nil }
        return scheme.upperBound..<at
    }
}
