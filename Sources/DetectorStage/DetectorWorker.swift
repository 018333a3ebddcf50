import FaceDetection
import Foundation
import Imaging
import Logging
import PipelineProtocol
import Timing

/// The detector stage's work on one frame, without the sockets: decode the image, find the faces,
/// cut fer's crop of each and resize it to the classifier model's input size, `cropSide` (the
/// same pixels `moodwire analyze` feeds the network). One worker per thread (it owns a TurboJPEG
/// handle).
public final class DetectorWorker {
    public let detector: FaceDetector
    public let options: DetectionOptions
    public let conversion: GrayConversion
    public let cropSide: Int
    private let decoder = ImageDecoder(maxPixels: WireProtocol.maxPixels)
    private let logger: Logger

    public init(
        detector: FaceDetector, options: DetectionOptions = DetectionOptions(),
        conversion: GrayConversion = .rgbWeighted, cropSide: Int, logger: Logger
    ) {
        self.cropSide = cropSide
        self.detector = detector
        self.options = options
        self.conversion = conversion
        self.logger = logger
    }

    /// The faces of `frame`. A frame whose image cannot be decoded yields no faces and the
    /// `undecodable` flag, so that it is still recorded (and acknowledged) once.
    public func faces(in frame: FrameMessage) -> FacesMessage {
        let start = ContinuousClock.now
        var header = frame.header
        let image: GrayImage
        do {
            image = try decoder.decodeGray(Data(frame.image), source: "\(header.source) frame \(header.seq)", conversion: conversion)
        } catch {
            logger.debug("undecodable frame", metadata: ["source": "\(header.source)", "seq": "\(header.seq)", "error": "\(error)"])
            header.flags.insert(.undecodable)
            header.detectMicros = (ContinuousClock.now - start).wireMicroseconds
            return FacesMessage(header: header, boxes: [], crops: [], cropSide: cropSide)
        }
        header.width = image.width
        header.height = image.height
        let padValue = FaceCrop.padValue(of: image)
        var boxes: [PixelRect] = []
        var crops: [UInt8] = []
        let facesThatFit = WireProtocol.maxCropBytes / (cropSide * cropSide)
        for box in detector.detect(image, options: options).prefix(min(WireProtocol.maxFaces, facesThatFit)) {
            guard let crop = FaceCrop.crop(image, box: box, padValue: padValue) else { continue }
            boxes.append(box)
            crops += BilinearResize.resize(crop, width: cropSide, height: cropSide).pixels
        }
        header.detectMicros = (ContinuousClock.now - start).wireMicroseconds
        return FacesMessage(header: header, boxes: boxes, crops: crops, cropSide: cropSide)
    }
}
