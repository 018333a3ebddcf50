import Foundation
import Imaging

/// The face detectors Moodwire offers, by their command-line names.
public enum FaceDetectorKind: String, Sendable, CaseIterable {
    /// MediaPipe's full-range BlazeFace (192x192 input; faces near and far): the default.
    case blazeface
    /// MediaPipe's short-range BlazeFace (128x128; faces within about two metres).
    case blazefaceShort = "blazeface-short"
    /// OpenCV's frontal-face Haar cascade, exact to OpenCV 4 and to the fer package.
    case haar
}

/// An image decoded the way a detector needs it: gray for the crops (and for Haar), colour too for
/// BlazeFace.
public struct DecodedFrame: Sendable {
    public let gray: GrayImage
    public let rgb: RGBImage?

    public init(gray: GrayImage) {
        self.gray = gray
        rgb = nil
    }

    public init(rgb: RGBImage) {
        self.rgb = rgb
        gray = rgb.grayscale()
    }

    public var width: Int { gray.width }
    public var height: Int { gray.height }
}

/// A detected face and the gray crop the emotion classifier reads for it (fer's crop, see
/// `FaceCrop`, at its natural size).
public struct LocatedFace: Sendable {
    public let face: DetectedFace
    public let crop: GrayImage
}

/// One detector of either kind behind one call: decode a frame as the detector needs it, find its
/// faces and cut each one's classifier crop. Serves one caller at a time.
public final class FaceLocator {
    public enum Engine {
        case haar(FaceDetector, DetectionOptions, GrayConversion)
        /// `tiled`: large frames are also searched in tiles (`BlazeFaceDetector.detectTiled`).
        case blazeFace(BlazeFaceDetector, minScore: Double?, tiled: Bool = true, crop: CropGeometry = .boxSquared)
    }

    /// How a BlazeFace box becomes the box fer's crop is cut around: the larger side scaled by
    /// `scale`, the centre lifted by `lift` of the height.
    public struct CropGeometry: Sendable, Equatable {
        public var scale: Double
        public var lift: Double

        public init(scale: Double, lift: Double) {
            self.scale = scale
            self.lift = lift
        }

        /// BlazeFace's own box, made square: the default. On faces pasted into scenes (`moodwire
        /// bench detector`), its crops are classified at least as well as Haar's crops and better
        /// than those of the Haar-sized box below, with either BlazeFace model.
        public static let boxSquared = CropGeometry(scale: 1, lift: 0)
        /// The size and place of a Haar box: on the 53 faces of ../shared/data/faces both detectors
        /// find, the Haar box is a median 1.10 times as wide as BlazeFace's and its centre 0.07 of
        /// the side higher.
        public static let haarSized = CropGeometry(scale: 1.10, lift: 0.07)
    }

    public let engine: Engine
    /// Whether the detector's keypoints are the six `DetectedFace` carries (BlazeFace's are).
    private let keepsKeypoints: Bool

    public init(_ engine: Engine) {
        self.engine = engine
        if case .blazeFace(let detector, _, _, _) = engine {
            keepsKeypoints = detector.options.keypoints == DetectedFace.keypointNames
        } else {
            keepsKeypoints = false
        }
    }

    /// Decodes `data` (JPEG or PNG, turned upright) as the detector needs it.
    public func decode(_ data: Data, source: String, with decoder: ImageDecoder) throws(ImageError) -> DecodedFrame {
        switch engine {
        case .haar(_, _, let conversion):
            return DecodedFrame(gray: try decoder.decodeGray(data, source: source, conversion: conversion))
        case .blazeFace:
            return DecodedFrame(rgb: try decoder.decodeRGB(data, source: source))
        }
    }

    /// The faces of `frame` in the detector's order (BlazeFace: best score first), at most `limit`,
    /// each with its crop; faces whose crop would be empty are left out. A `still` (a photo, not a
    /// video frame) may be searched harder: BlazeFace tiles it from a smaller size.
    public func locate(in frame: DecodedFrame, limit: Int = .max, still: Bool) -> [LocatedFace] {
        let padValue = FaceCrop.padValue(of: frame.gray)
        var located: [LocatedFace] = []
        func add(_ face: DetectedFace, cropBox: PixelRect) {
            guard located.count < limit, let crop = FaceCrop.crop(frame.gray, box: cropBox, padValue: padValue) else { return }
            located.append(LocatedFace(face: face, crop: crop))
        }
        switch engine {
        case .haar(let detector, let options, _):
            for box in detector.detect(frame.gray, options: options) { add(DetectedFace(box: box), cropBox: box) }
        case .blazeFace(let detector, let minScore, let tiled, let geometry):
            let image = frame.rgb ?? RGBImage(gray: frame.gray)
            for face in tiled ? detector.detectTiled(image, minScore: minScore, still: still) : detector.detect(image, minScore: minScore) {
                guard let box = face.rect(inFrameOf: frame.width, frame.height) else { continue }
                let keypoints = face.keypoints.map { FramePoint(x: Float($0.x), y: Float($0.y)) }
                add(
                    DetectedFace(box: box, score: Float(face.score), keypoints: keepsKeypoints ? keypoints : []),
                    cropBox: Self.cropBox(of: face, geometry: geometry))
            }
        }
        return located
    }

    /// The box around a BlazeFace face that its crop is cut around (square, unclipped: fer's crop
    /// pads beyond the frame).
    static func cropBox(of face: LandmarkedFace, geometry: CropGeometry) -> PixelRect {
        let side = geometry.scale * max(face.width, face.height)
        let centreX = face.x + face.width / 2
        let centreY = face.y + face.height / 2 - geometry.lift * face.height
        let x = Int((centreX - side / 2).rounded()), y = Int((centreY - side / 2).rounded())
        return PixelRect(x: x, y: y, width: Int(side.rounded()), height: Int(side.rounded()))
    }
}
