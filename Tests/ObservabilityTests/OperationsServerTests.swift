import Foundation
import Logging
import Observability
import ServiceLifecycle
import Testing

/// A real `OperationsServer` on a TCP port, and the check that a port is free.
@Suite("Operations server")
struct OperationsServerTests {
    @Test func answersOverTCPAndStopsOnGracefulShutdown() async throws {
        let health = HealthRegistry(service: "moodwire-test")
        health.update("service", healthy: true, state: "running")
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let server = OperationsServer(
            host: "127.0.0.1", port: 0, metrics: PrometheusMetrics.makeFactory().registry, health: health,
            logger: Logger(label: "test")
        ) { port in portContinuation.yield(port) }
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        let running = Task { try await group.run() }

        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(port > 0)

        let healthy = try await RawHTTP.fetch("/healthz", port: port)
        #expect(healthy.hasPrefix("HTTP/1.1 200"))
        #expect(healthy.contains(#""status":"ok""#))
        health.update("service", healthy: false, state: "stopping")
        #expect(try await RawHTTP.fetch("/healthz", port: port).hasPrefix("HTTP/1.1 503"))
        let metrics = try await RawHTTP.fetch("/metrics", port: port)
        #expect(metrics.hasPrefix("HTTP/1.1 200"))
        #expect(metrics.lowercased().contains("content-type: text/plain; version=0.0.4; charset=utf-8"))
        #expect(try await RawHTTP.fetch("/nothing", port: port).hasPrefix("HTTP/1.1 404"))

        await group.triggerGracefulShutdown()
        try await running.value
        // Stopped: nothing listens any more and the port can be taken again.
        #expect(throws: RawHTTP.Failure.self) { try RawHTTP.get("/healthz", port: port) }
        #expect(ListenCheck.problem(host: "127.0.0.1", port: port) == nil)
    }

    @Test func aTakenPortIsReportedWithTheFlagToChange() throws {
        let listener = try RawHTTP.listen()
        defer { close(listener.descriptor) }
        let problem = try #require(ListenCheck.problem(host: "127.0.0.1", port: listener.port, flag: "--metrics-port"))
        #expect(problem.contains("127.0.0.1:\(listener.port)"))
        #expect(problem.contains("another program uses the port: choose another with --metrics-port"))
    }

    @Test func aFreePortAndABadHostAreToldApart() throws {
        let listener = try RawHTTP.listen()
        close(listener.descriptor)
        #expect(ListenCheck.problem(host: "127.0.0.1", port: listener.port) == nil)
        #expect(ListenCheck.problem(host: "no such host.invalid", port: listener.port) != nil)
        #expect(ListenCheck.problem(host: "127.0.0.1", port: 70000) != nil)
    }
}

/// HTTP/1.1 over a plain socket: the test sees exactly what a scraper or `bash /dev/tcp` sees.
enum RawHTTP {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `get` on a thread of its own: on a thread of the cooperative pool (two on a 2-core machine)
    /// the blocking client would hold one that the server's handlers need, and with the other held
    /// by a blocking test running in parallel, the server could not answer at all.
    static func fetch(_ path: String, port: Int) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try get(path, port: port) }) }.start()
        }
    }

    /// The whole response (status line, headers, body) to `GET path`.
    static func get(_ path: String, port: Int) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(descriptor) }
        // A server that hangs fails the test instead of stalling it. Generous: the handlers run on
        // the cooperative pool, which blocking tests running in parallel (the stack tests, minutes
        // each on a slow machine) can keep busy.
        var timeout = timeval(tv_sec: 600, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect: \(String(cString: strerror(errno)))") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard send(descriptor, request, request.count, 0) == request.count else { throw Failure(description: "send: \(errno)") }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count < 0 { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            response += chunk[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// A socket listening on a port of the system's choosing on 127.0.0.1.
    static func listen() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && Glibc.listen(descriptor, 4) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw Failure(description: "listen: \(String(cString: strerror(errno)))")
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return address
    }
}
