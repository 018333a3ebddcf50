import Foundation
import TestSupport
import Testing

/// Tests/IngestTests/RTSP/rtsp_server.py as a child process: a GStreamer RTSP server on loopback
/// serving one image as an endless stream at rtsp://127.0.0.1:PORT/cam.
struct RTSPTestServer {
    static let script = repositoryRoot.appendingPathComponent("Tests/IngestTests/RTSP/rtsp_server.py").path
    /// Debian's interpreter: python3-gi is built for it, not for another python3 on the PATH.
    static let python = "/usr/bin/python3"
    static var available: Bool {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }

    private let process = Process()

    /// A TCP port on loopback that nothing listens on now, chosen by the kernel.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw RTSPTestServerError(description: "no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    init(port: Int, image: String, user: String? = nil, password: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments =
            [Self.script, "--port", "\(port)", "--image", image]
            + (user.map { ["--user", $0, "--password", password ?? ""] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // "ready …" once it listens; nothing (end of output) if it failed.
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard line.hasPrefix("ready") else {
            stop()
            throw RTSPTestServerError(description: "the RTSP test server did not start (port \(port)): \(line)")
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

struct RTSPTestServerError: Error, CustomStringConvertible {
    let description: String
}

extension Trait where Self == ConditionTrait {
    /// Runs when GStreamer's RTSP server is importable from Debian's python3, and always under CI
    /// (scripts/test.sh installs it).
    static var needsRTSPServer: Self {
        .enabled(
            if: RTSPTestServer.available || runningInCI,
            "needs python3-gi and gir1.2-gst-rtsp-server-1.0 (apt-get install, as scripts/test.sh does)")
    }
}
