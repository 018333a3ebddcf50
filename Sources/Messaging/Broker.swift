import CZeroMQ
import Foundation
import Logging

/// The broker's queue devices: N ingests to M detectors and N detectors to M classifiers, so that
/// workers can be added or restarted without reconfiguring anything else. Each device is a
/// `zmq_proxy` between a PULL socket that producers connect to and a PUSH socket that workers
/// connect to; PUSH hands each message to the next worker with room, and the high-water marks
/// bound what waits in the broker.
public struct BrokerConfiguration: Sendable {
    /// Ingests connect here (PULL).
    public var framesIn: String
    /// Detectors connect here (PUSH).
    public var framesOut: String
    /// Detectors send faces here (PULL).
    public var facesIn: String
    /// Classifiers connect here (PUSH).
    public var facesOut: String
    /// Messages held per connected peer and direction.
    public var highWaterMark: Int32

    public init(endpoints: PipelineEndpoints = PipelineEndpoints(), highWaterMark: Int32 = 8) {
        framesIn = endpoints.bind(.framesIn)
        framesOut = endpoints.bind(.framesOut)
        facesIn = endpoints.bind(.facesIn)
        facesOut = endpoints.bind(.facesOut)
        self.highWaterMark = highWaterMark
    }
}

public enum Broker {
    /// Both devices as one service (they stop together when its context shuts down). Both bind
    /// before this returns, so a bad or busy address fails here, before anything runs.
    public static func service(_ configuration: BrokerConfiguration, logger: Logger) throws(ZMQError) -> BlockingService {
        let context = ZMQContext()
        let frames = try ProxyDevice(context: context, frontend: configuration.framesIn, backend: configuration.framesOut,
                                     highWaterMark: configuration.highWaterMark)
        let faces = try ProxyDevice(context: context, frontend: configuration.facesIn, backend: configuration.facesOut,
                                    highWaterMark: configuration.highWaterMark)
        logger.debug("devices bound", metadata: ["frames_in": "\(configuration.framesIn)", "frames_out": "\(configuration.framesOut)",
                                                 "faces_in": "\(configuration.facesIn)", "faces_out": "\(configuration.facesOut)"])
        return BlockingService(name: "moodwire.broker", interrupt: { context.shutdown() }) { _ in
            let facesDone = DispatchSemaphore(value: 0)
            let facesFailure = Handover(FailureBox())
            let thread = Thread {
                do throws(ZMQError) { try faces.run() } catch { facesFailure.value.error = error }
                facesDone.signal()
            }
            thread.name = "moodwire.broker.faces"
            thread.start()
            var framesFailure: ZMQError?
            do throws(ZMQError) {
                try frames.run()
            } catch {
                // One device failing stops the other too, so the broker ends as a whole.
                framesFailure = error
                context.shutdown()
            }
            facesDone.wait()
            if let error = framesFailure ?? facesFailure.value.error { throw error }
        }
    }
}

/// The error of the device that runs on the second thread.
private final class FailureBox {
    var error: ZMQError?
}

/// One PULL → PUSH proxy. Its sockets are created on the caller's thread and from then on used
/// only by the thread that runs the proxy, which is the zguide's hand-over rule.
final class ProxyDevice: @unchecked Sendable {
    private let frontend: ZMQSocket
    private let backend: ZMQSocket

    init(context: ZMQContext, frontend frontendAddress: String, backend backendAddress: String, highWaterMark: Int32) throws(ZMQError) {
        frontend = try ZMQSocket(context, .pull, highWaterMark: highWaterMark, lingerMilliseconds: 0)
        backend = try ZMQSocket(context, .push, highWaterMark: highWaterMark, lingerMilliseconds: 0)
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
