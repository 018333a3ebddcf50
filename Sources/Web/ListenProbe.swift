import Foundation

/// Checks, before the server starts, that it can listen where it is told to, so that a taken port
/// is a clear configuration error (which a supervisor does not retry) rather than a failure at run
/// time.
public enum ListenProbe {
    /// Nil when `host:port` (an IPv4 address) can be bound; otherwise why not.
    public static func problem(host: String, port: Int) -> String? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else {
            return "\(host) is not an IPv4 address to listen on"
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result != 0 else { return nil }
        let code = errno
        return "cannot listen on \(host):\(port): \(String(cString: strerror(code)))"
            + (code == EADDRINUSE ? "; another program uses the port: choose another with --web-port" : "")
    }
}
