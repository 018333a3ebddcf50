import FaceDetection
import Foundation
import Imaging
import Logging
import PipelineProtocol
import Timing

/// The detector stage's work on one frame, without the sockets: decode the image, find the faces,
/// cut fer's crop of each and resize it to the classifier model's input size, `cropSide` (the
/// same pixels `moodwire analyze` feeds the network). One worker per thread (it owns a TurboJPEG
/// handle and the detector).
public final class DetectorWorker {
    public let locator: FaceLocator
    public let cropSide: Int
    private let decoder = ImageDecoder(maxPixels: WireProtocol.maxPixels)
    private let logger: Logger

    public init(locator: FaceLocator, cropSide: Int, logger: Logger) {
        self.cropSide = cropSide
        self.locator = locator
        self.logger = logger
    }

    /// Runs the detector once on a blank 640x480 frame, before the first real one: the first run
    /// touches the weights and the workspaces for the first time, and made the first frames of a
    /// stack several times slower than the rest.
    public func warmUp() {
        _ = locator.locate(
            in: DecodedFrame(rgb: RGBImage(width: 640, height: 480, pixels: [UInt8](repeating: 128, count: 640 * 480 * 3))), still: false)
    }

    /// The faces of `frame`. A frame whose image cannot be decoded yields no faces and the
    /// `undecodable` flag, so that it is still recorded (and acknowledged) once.
    public func faces(in frame: FrameMessage) -> FacesMessage {
        let start = ContinuousClock.now
        var header = frame.header
        let image: DecodedFrame
        do {
            image = try locator.decode(Data(frame.image), source: "\(header.source) frame \(header.seq)", with: decoder)
        } catch {
            logger.debug("undecodable frame", metadata: ["source": "\(header.source)", "seq": "\(header.seq)", "error": "\(error)"])
            header.flags.insert(.undecodable)
            header.detectMicros = (ContinuousClock.now - start).wireMicroseconds
            return FacesMessage(header: header, faces: [], crops: [], cropSide: cropSide)
        }
        header.width = image.width
        header.height = image.height
        let facesThatFit = WireProtocol.maxCropBytes / (cropSide * cropSide)
        let located = locator.locate(in: image, limit: min(WireProtocol.maxFaces, facesThatFit), still: header.flags.contains(.still))
        var crops: [UInt8] = []
        crops.reserveCapacity(located.count * cropSide * cropSide)
        for face in located { crops += BilinearResize.resize(face.crop, width: cropSide, height: cropSide).pixels }
        header.detectMicros = (ContinuousClock.now - start).wireMicroseconds
        return FacesMessage(header: header, faces: located.map(\.face), crops: crops, cropSide: cropSide)
    }
}
