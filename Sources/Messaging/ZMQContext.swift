import CZeroMQ

/// One libzmq context per process. Sockets made from it must each stay on one thread; the context
/// itself is thread-safe. Releasing it waits for every socket to close (their LINGER bounds that).
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    public init() {
        // zmq_ctx_new fails only when the process is out of memory or file descriptors.
        guard let handle = zmq_ctx_new() else { fatalError("zmq_ctx_new failed: errno \(zmq_errno())") }
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets return ETERM, so their threads stop.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
