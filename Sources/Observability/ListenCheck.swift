import Foundation

/// Checks, before any service starts, that a TCP port can be listened on, so that a taken port is
/// a configuration error (which a supervisor does not retry) instead of a failure after the stage
/// has begun to work.
public enum ListenCheck {
    /// Nil when `host:port` can be bound now; otherwise why not, in words for the operator.
    /// `host` is an IPv4 or IPv6 address or a name that resolves to one. `flag` names the option to
    /// change when the port is taken.
    public static func problem(host: String, port: Int, flag: String = "--metrics-port") -> String? {
        guard (0...65535).contains(port) else { return "port \(port) is not between 0 and 65535" }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let address = found else {
            return "cannot listen on \(host):\(port): \(String(cString: gai_strerror(status)))"
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        // No socket at all is not the port's fault; let the server report whatever it meets.
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // As the server does, so that connections in TIME_WAIT from a previous run do not count as
        // taken; Linux still refuses a port another socket listens on.
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 else { return nil }
        let code = errno
        return "cannot listen on \(host):\(port): \(String(cString: strerror(code)))"
            + (code == EADDRINUSE ? "; another program uses the port: choose another with \(flag)" : "")
    }
}
