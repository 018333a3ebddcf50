import Foundation
import Synchronization

/// Blocks of consecutive loopback ports for the tests' pipelines. They lie below Linux's ephemeral
/// range (32768 and up), where outgoing connections take their ports, so that a block can never
/// collide with one of those; they start at a point spread by process id, so that test processes
/// running side by side differ; and every port of a block is checked free before it is handed out.
public enum TestPorts {
    private static let next = Mutex(20_000 + Int(getpid() % 600) * 20)

    /// The first of `count` consecutive free ports.
    public static func block(of count: Int = 10) -> Int {
        while true {
            let base = next.withLock { next in
                let base = next + count > 32_000 ? 20_000 : next
                next = base + count
                return base
            }
            if (base..<base + count).allSatisfy(isFree) { return base }
        }
    }

    /// Nothing listens on 127.0.0.1:`port` (binding it succeeds).
    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
