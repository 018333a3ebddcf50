import CZeroMQ
import Foundation
import Timing

/// A ZeroMQ socket. Not thread-safe: create, use and close it on one thread (the zguide's rule).
/// Every socket gets a short LINGER, so closing never hangs on unsent messages.
public final class ZMQSocket {
    public enum Kind: Sendable {
        case push, pull, publish, subscribe, pair, xpublish, xsubscribe

        var rawValue: Int32 {
            switch self {
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            case .publish: ZMQ_PUB
            case .subscribe: ZMQ_SUB
            case .pair: ZMQ_PAIR
            case .xpublish: ZMQ_XPUB
            case .xsubscribe: ZMQ_XSUB
            }
        }
    }

    public let kind: Kind
    let handle: UnsafeMutableRawPointer
    private let context: ZMQContext

    /// - Parameters:
    ///   - highWaterMark: messages queued per peer before sends block or drop (both directions).
    ///   - lingerMilliseconds: how long unsent messages are kept after close.
    public init(_ context: ZMQContext, _ kind: Kind, highWaterMark: Int32 = 16, lingerMilliseconds: Int32 = 200) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, kind.rawValue) else { throw .last("create socket") }
        self.context = context
        self.kind = kind
        self.handle = handle
        try setOption(ZMQ_LINGER, lingerMilliseconds, "set LINGER")
        try setOption(ZMQ_SNDHWM, highWaterMark, "set SNDHWM")
        try setOption(ZMQ_RCVHWM, highWaterMark, "set RCVHWM")
        if kind == .subscribe {
            guard zmq_setsockopt(handle, ZMQ_SUBSCRIBE, nil, 0) == 0 else { throw .last("subscribe") }
        }
    }

    deinit {
        zmq_close(handle)
    }

    func setOption(_ option: Int32, _ value: Int32, _ operation: String) throws(ZMQError) {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else { throw .last(operation) }
    }

    /// Largest message part accepted from peers; a peer that sends more is disconnected by libzmq.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        var value = bytes
        guard zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size) == 0 else { throw .last("set MAXMSGSIZE") }
    }

    /// Queue messages only to peers that are connected, so nothing waits in a pipe to a peer that is
    /// not there yet.
    public func setImmediate(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, on ? 1 : 0, "set IMMEDIATE")
    }

    public func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else { throw .last("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        guard zmq_connect(handle, endpoint) == 0 else { throw .last("connect \(endpoint)") }
    }

    /// Sends a multipart message. With `wait` false, returns false instead of blocking when the
    /// peers' queues are full (the high-water mark); with a timeout, after that many milliseconds.
    @discardableResult
    public func send(_ parts: [[UInt8]], timeoutMilliseconds: Int32 = -1) throws(ZMQError) -> Bool {
        precondition(!parts.isEmpty, "a message has at least one part")
        if timeoutMilliseconds != 0 {
            guard try poll(events: ZMQ_POLLOUT, timeoutMilliseconds: timeoutMilliseconds) else { return false }
        }
        for (index, part) in parts.enumerated() {
            let flags = ZMQ_DONTWAIT | (index < parts.count - 1 ? ZMQ_SNDMORE : 0)
            while true {
                let sent = part.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if sent >= 0 { break }
                let error = ZMQError.last("send")
                if error.isInterruption { continue }
                // Once the first part is queued the rest of the message is always accepted.
                if error.code == EAGAIN && index == 0 { return false }
                throw error
            }
        }
        return true
    }

    /// Receives one multipart message, waiting up to `timeoutMilliseconds` (-1: forever). Returns
    /// nil when nothing arrived in time. A message larger than `maxParts` parts is read to its end
    /// and returned truncated to `maxParts + 1` parts, so the caller sees a wrong part count.
    public func receive(timeoutMilliseconds: Int32 = -1, maxParts: Int = 8) throws(ZMQError) -> [[UInt8]]? {
        if timeoutMilliseconds != 0 {
            guard try poll(events: ZMQ_POLLIN, timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        }
        var parts: [[UInt8]] = []
        var message = zmq_msg_t()
        while true {
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            let flags = parts.isEmpty ? ZMQ_DONTWAIT : 0
            if zmq_msg_recv(&message, handle, flags) < 0 {
                let error = ZMQError.last("receive")
                if error.code == EAGAIN && parts.isEmpty { return nil }
                if error.isInterruption && parts.isEmpty { return nil }
                if error.isInterruption { continue }
                throw error
            }
            if parts.count <= maxParts {
                let size = zmq_msg_size(&message)
                let data = zmq_msg_data(&message)
                parts.append(size == 0 ? [] : [UInt8](UnsafeRawBufferPointer(start: data, count: size)))
            }
            if zmq_msg_more(&message) == 0 { return parts }
        }
    }

    /// Waits until the socket can send or receive; false on timeout or interruption.
    func poll(events: Int32, timeoutMilliseconds: Int32) throws(ZMQError) -> Bool {
        var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(events), revents: 0)
        let ready = zmq_poll(&item, 1, Int(timeoutMilliseconds))
        if ready < 0 {
            let error = ZMQError.last("poll")
            if error.isInterruption { return false }
            throw error
        }
        return ready > 0
    }
}

/// Waits on several sockets at once.
public enum ZMQPoller {
    /// The indices of `sockets` that have a message to read, after waiting up to
    /// `timeoutMilliseconds`. Empty on timeout or interruption.
    public static func readable(_ sockets: [ZMQSocket], timeoutMilliseconds: Int32) throws(ZMQError) -> [Int] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let ready = zmq_poll(&items, Int32(items.count), Int(timeoutMilliseconds))
        if ready < 0 {
            let error = ZMQError.last("poll")
            if error.isInterruption { return [] }
            throw error
        }
        return items.indices.filter { items[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
