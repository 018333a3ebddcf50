import CZeroMQ
import Foundation

/// A failed ZeroMQ call: which operation, on what, and libzmq's errno.
public struct ZMQError: Error, Sendable, CustomStringConvertible {
    /// The raw errno libzmq reported.
    public let code: Int32
    /// The call that failed, e.g. "bind tcp://127.0.0.1:5550".
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The error of the calling thread's last failed libzmq call.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    /// The context was shut down: the socket's owner must close it and stop.
    public var isTermination: Bool { code == ETERM }
    /// A signal interrupted a blocking call; loops check their stop flag and carry on.
    public var isInterruption: Bool { code == EINTR }

    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(code))) (zmq errno \(code))"
    }
}
