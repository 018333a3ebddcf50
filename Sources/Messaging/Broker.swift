import CZeroMQ
import Foundation
import Logging
import PipelineProtocol

/// The broker's devices: N ingests to M detectors and N detectors to M classifiers, so that
/// workers can be added or restarted without reconfiguring anything else, and the preview feed
/// from ingests to live viewers. Each queue is a `zmq_proxy` between a PULL socket that producers
/// connect to and a PUSH socket that workers connect to; PUSH hands each message to the next worker
/// with room, and the high-water marks bound what waits in the broker. The feed is a proxy between
/// XSUB and XPUB, which also carries the viewers' subscriptions up to the ingests.
public struct BrokerConfiguration: Sendable {
    /// Ingests connect here (PULL).
    public var framesIn: String
    /// Detectors connect here (PUSH).
    public var framesOut: String
    /// Detectors send faces here (PULL).
    public var facesIn: String
    /// Classifiers connect here (PUSH).
    public var facesOut: String
    /// Ingests publish previews here (XSUB).
    public var previewsIn: String
    /// Live viewers subscribe here (XPUB); subscriptions travel upstream, so ingests send no
    /// preview while nobody watches.
    public var previewsOut: String
    /// Messages held per connected peer and direction.
    public var highWaterMark: Int32

    public init(endpoints: PipelineEndpoints = PipelineEndpoints(), highWaterMark: Int32 = 8) {
        framesIn = endpoints.bind(.framesIn)
        framesOut = endpoints.bind(.framesOut)
        facesIn = endpoints.bind(.facesIn)
        facesOut = endpoints.bind(.facesOut)
        previewsIn = endpoints.bind(.previewsIn)
        previewsOut = endpoints.bind(.previewsOut)
        self.highWaterMark = highWaterMark
    }
}

public enum Broker {
    /// Both devices as one service (they stop together when its context shuts down). Both bind
    /// before this returns, so a bad or busy address fails here, before anything runs.
    public static func service(_ configuration: BrokerConfiguration, logger: Logger) throws(ZMQError) -> BlockingService {
        let context = ZMQContext()
        let frames = try ProxyDevice(
            context: context, frontend: configuration.framesIn, backend: configuration.framesOut,
            highWaterMark: configuration.highWaterMark)
        let faces = try ProxyDevice(
            context: context, frontend: configuration.facesIn, backend: configuration.facesOut,
            highWaterMark: configuration.highWaterMark)
        let previews = try ProxyDevice(
            context: context, frontend: configuration.previewsIn, backend: configuration.previewsOut,
            highWaterMark: configuration.highWaterMark, kinds: (.xsubscribe, .xpublish))
        logger.debug(
            "devices bound",
            metadata: [
                "frames_in": "\(configuration.framesIn)", "frames_out": "\(configuration.framesOut)",
                "faces_in": "\(configuration.facesIn)", "faces_out": "\(configuration.facesOut)"
            ])
        return BlockingService(name: "moodwire.broker", interrupt: { context.shutdown() }) { _ in
            // One thread per further device; the service's own thread runs the frames device.
            let others = [("moodwire.broker.faces", faces), ("moodwire.broker.previews", previews)]
            let done = DispatchGroup()
            let failures = FirstFailure<ZMQError>()
            for (name, device) in others {
                done.enter()
                let thread = Thread {
                    do throws(ZMQError) { try device.run() } catch {
                        failures.record(error)
                        context.shutdown()
                    }
                    done.leave()
                }
                thread.name = name
                thread.start()
            }
            var framesFailure: ZMQError?
            do throws(ZMQError) {
                try frames.run()
            } catch {
                // One device failing stops the others too, so the broker ends as a whole.
                framesFailure = error
                context.shutdown()
            }
            done.wait()
            if let error = framesFailure ?? failures.error { throw error }
        }
    }
}

/// One PULL → PUSH (or XSUB → XPUB) proxy. Its sockets are created on the caller's thread and from then on used
/// only by the thread that runs the proxy, which is the zguide's hand-over rule.
final class ProxyDevice: @unchecked Sendable {
    private let frontend: ZMQSocket
    private let backend: ZMQSocket

    init(
        context: ZMQContext, frontend frontendAddress: String, backend backendAddress: String, highWaterMark: Int32,
        kinds: (ZMQSocket.Kind, ZMQSocket.Kind) = (.pull, .push)
    ) throws(ZMQError) {
        frontend = try ZMQSocket(context, kinds.0, highWaterMark: highWaterMark, lingerMilliseconds: 0)
        backend = try ZMQSocket(context, kinds.1, highWaterMark: highWaterMark, lingerMilliseconds: 0)
        try frontend.bind(frontendAddress)
        try backend.bind(backendAddress)
    }

    /// Forwards until the context shuts down.
    func run() throws(ZMQError) {
        while zmq_proxy(frontend.handle, backend.handle, nil) != 0 {
            let error = ZMQError.last("proxy")
            if error.isTermination { return }
            if !error.isInterruption { throw error }
        }
    }
}
