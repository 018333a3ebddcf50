import Foundation
import Imaging
import ModelFormat
import NeuralNetwork

/// A face found by BlazeFace, in frame pixels. Boxes are not clipped to the frame (MediaPipe's
/// are not either); `rect` is the box rounded and clipped.
public struct LandmarkedFace: Sendable, Equatable {
    public var x: Double, y: Double, width: Double, height: Double
    public var score: Double
    /// The six keypoints (`BlazeFaceOptions.keypoints` names them): right eye, left eye, nose tip,
    /// mouth centre, right and left ear tragion, as (x, y).
    public var keypoints: [(x: Double, y: Double)]

    public static func == (a: Self, b: Self) -> Bool {
        a.x == b.x && a.y == b.y && a.width == b.width && a.height == b.height && a.score == b.score
            && a.keypoints.elementsEqual(b.keypoints) { $0.x == $1.x && $0.y == $1.y }
    }

    /// The box in whole pixels, clipped to a `width` x `height` frame; nil when nothing is left.
    public func rect(inFrameOf frameWidth: Int, _ frameHeight: Int) -> PixelRect? {
        let x0 = max(0, Int(x.rounded())), y0 = max(0, Int(y.rounded()))
        let x1 = min(frameWidth, Int((x + width).rounded())), y1 = min(frameHeight, Int((y + height).rounded()))
        return x1 > x0 && y1 > y0 ? PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0) : nil
    }
}

/// MediaPipe's BlazeFace face detector on Moodwire's CNN runtime: the frame letterboxed into the
/// network's square input, the network run, every anchor's box and keypoints decoded, the scores
/// through a clipped sigmoid, weighted non-maximum suppression, and the faces mapped back to the
/// frame. Everything model-specific comes from the model file (see `BlazeFaceOptions`). A detector
/// serves one caller at a time.
public final class BlazeFaceDetector {
    public let options: BlazeFaceOptions
    public let network: Network
    let anchors: [SSDAnchor]
    /// Per head: the output index of its boxes and of its scores.
    let heads: [(boxes: Int, scores: Int)]
    let session: InferenceSession
    private let normalization: [Float]

    public convenience init(contentsOf path: String, threads: Int = 1) throws(ModelFileError) {
        try self.init(model: ModelFile(contentsOf: path), path: path, threads: threads)
    }

    public init(model: ModelFile, path: String, threads: Int = 1) throws(ModelFileError) {
        guard let json = model.extraMetadata["detector"], let data = json.data(using: .utf8),
            let options = try? JSONDecoder().decode(BlazeFaceOptions.self, from: data)
        else { throw .invalidGraph(path: path, reason: "no BlazeFace \"detector\" options in its metadata (not a face detection model?)") }
        if let problem = options.unsupported { throw .invalidGraph(path: path, reason: "unsupported detector options: \(problem)") }
        let network = try Network(model: model, path: path)
        let outputs = model.graph.outputs
        var heads: [(boxes: Int, scores: Int)] = []
        for (boxName, scoreName) in zip(options.regressorOutputs, options.classifierOutputs) {
            guard let boxes = outputs.firstIndex(of: boxName), let scores = outputs.firstIndex(of: scoreName) else {
                throw .invalidGraph(path: path, reason: "detector outputs \(boxName), \(scoreName) are not graph outputs")
            }
            let boxShape = network.outputShapes[boxes], scoreShape = network.outputShapes[scores]
            guard boxShape.height == scoreShape.height, boxShape.width == scoreShape.width,
                boxShape.channels == scoreShape.channels * options.numCoords
            else {
                throw .invalidGraph(
                    path: path, reason: "\(boxName) \(boxShape) does not hold \(options.numCoords) values per anchor of \(scoreName) \(scoreShape)")
            }
            heads.append((boxes, scores))
        }
        let anchors = options.anchors.generate()
        let total = heads.reduce(0) { $0 + network.outputShapes[$1.scores].count }
        guard anchors.count == options.numBoxes, total == options.numBoxes else {
            throw .invalidGraph(path: path, reason: "\(anchors.count) anchors and \(total) scores for \(options.numBoxes) boxes")
        }
        guard network.inputShape.channels == 3, network.inputShape.height == network.inputShape.width else {
            throw .invalidGraph(path: path, reason: "the input must be a square RGB image, not \(network.inputShape)")
        }
        self.options = options
        self.network = network
        self.anchors = anchors
        self.heads = heads
        session = InferenceSession(network: network, maxBatch: 1, threads: threads)
        normalization = network.normalization.table
    }

    /// The side of the square input.
    public var inputSide: Int { network.inputShape.height }

    /// The faces in `image` scoring at least `minScore` (default: the model's), best first.
    public func detect(_ image: RGBImage, minScore: Double? = nil) -> [LandmarkedFace] {
        let letterbox = Letterbox(side: inputSide, imageWidth: image.width, imageHeight: image.height)
        let bytes = letterbox.bytes(of: image)
        for (i, byte) in bytes.enumerated() { session.input[i] = normalization[Int(byte)] }
        session.run(batch: 1)
        let detections = WeightedSuppression.apply(
            decode(minScore: minScore ?? options.minScoreThresh), threshold: options.nms.minSuppressionThreshold)
        return detections.map { face(from: $0, letterbox: letterbox) }
    }

    /// The faces of `image` found in the whole frame and, when it is large enough, also in four
    /// overlapping tiles of 60% of its width and height, where a small face is 1.7 times as large
    /// in the network's input: a photo (`still`) whose shorter side is at least 1.5 network inputs
    /// (288 pixels for full range), a video frame at least 4 (768: 1080p, not 720p), so that a
    /// stream keeps its frame rate. A tile's faces that touch a side it shares with the frame's
    /// interior are cut by it and left out (each face up to a fifth of the frame lies wholly inside
    /// some tile); the rest are merged with the whole frame's by the model's weighted suppression.
    /// Best first.
    public func detectTiled(_ image: RGBImage, minScore: Double? = nil, still: Bool) -> [LandmarkedFace] {
        let whole = detect(image, minScore: minScore)
        let tiles = Self.tiles(width: image.width, height: image.height, inputSide: inputSide, still: still)
        guard !tiles.isEmpty else { return whole }
        var candidates = whole
        for tile in tiles {
            let margin = 0.01 * Double(max(tile.width, tile.height))
            for var face in detect(image.cropped(to: tile), minScore: minScore) {
                let cutLeft = tile.x > 0 && face.x < margin, cutTop = tile.y > 0 && face.y < margin
                let cutRight = tile.x + tile.width < image.width && face.x + face.width > Double(tile.width) - margin
                let cutBottom = tile.y + tile.height < image.height && face.y + face.height > Double(tile.height) - margin
                guard !(cutLeft || cutTop || cutRight || cutBottom) else { continue }
                face.x += Double(tile.x)
                face.y += Double(tile.y)
                face.keypoints = face.keypoints.map { ($0.x + Double(tile.x), $0.y + Double(tile.y)) }
                candidates.append(face)
            }
        }
        let merged = WeightedSuppression.apply(
            candidates.enumerated().map { index, face in
                AnchorDetection(
                    xmin: face.x, ymin: face.y, xmax: face.x + face.width, ymax: face.y + face.height,
                    keypoints: face.keypoints.flatMap { [$0.x, $0.y] }, score: face.score, anchor: index)
            }, threshold: options.nms.minSuppressionThreshold)
        return merged.map { detection in
            LandmarkedFace(
                x: detection.xmin, y: detection.ymin, width: detection.xmax - detection.xmin, height: detection.ymax - detection.ymin,
                score: detection.score,
                keypoints: stride(from: 0, to: detection.keypoints.count, by: 2).map { (detection.keypoints[$0], detection.keypoints[$0 + 1]) })
        }
    }

    /// The four tiles of `detectTiled` (corners of the frame, 60% of each side), or none for a
    /// frame too small for them.
    static func tiles(width: Int, height: Int, inputSide: Int, still: Bool) -> [PixelRect] {
        guard 2 * min(width, height) >= (still ? 3 : 8) * inputSide else { return [] }
        let tileWidth = (width * 3 + 4) / 5, tileHeight = (height * 3 + 4) / 5
        return [0, height - tileHeight].flatMap { y in
            [0, width - tileWidth].map { x in PixelRect(x: x, y: y, width: tileWidth, height: tileHeight) }
        }
    }

    /// Every anchor of the last run scoring at least `minScore`, decoded, in anchor order.
    func decode(minScore: Double) -> [AnchorDetection] {
        let clip = options.scoreClippingThresh
        var detections: [AnchorDetection] = []
        var anchorIndex = 0
        for head in heads {
            let boxes = session.output(head.boxes), scores = session.output(head.scores)
            let count = network.outputShapes[head.scores].count
            for i in 0..<count {
                defer { anchorIndex += 1 }
                var raw = Double(scores[i])
                if clip > 0 { raw = min(max(raw, -clip), clip) }
                let score = options.sigmoidScore ? 1 / (1 + exp(-raw)) : raw
                guard score >= minScore else { continue }
                if let detection = decodeBox(boxes + i * options.numCoords, anchor: anchorIndex, score: score) {
                    detections.append(detection)
                }
            }
        }
        return detections
    }

    /// MediaPipe's DecodeBoxes for one anchor (x, y, w, h order), nil for a box of negative size.
    private func decodeBox(_ raw: UnsafePointer<Float>, anchor index: Int, score: Double) -> AnchorDetection? {
        let anchor = anchors[index]
        let box = raw + options.boxCoordOffset
        let xCenter = Double(box[0]) / options.xScale * anchor.width + anchor.x
        let yCenter = Double(box[1]) / options.yScale * anchor.height + anchor.y
        var width = Double(box[2]) / options.wScale, height = Double(box[3]) / options.hScale
        if options.applyExponentialOnBoxSize {
            width = exp(width)
            height = exp(height)
        }
        width *= anchor.width
        height *= anchor.height
        guard width >= 0, height >= 0, !width.isNaN, !height.isNaN else { return nil }
        let points = raw + options.keypointCoordOffset
        var keypoints: [Double] = []
        keypoints.reserveCapacity(2 * options.numKeypoints)
        for k in 0..<options.numKeypoints {
            keypoints.append(Double(points[2 * k]) / options.xScale * anchor.width + anchor.x)
            keypoints.append(Double(points[2 * k + 1]) / options.yScale * anchor.height + anchor.y)
        }
        return AnchorDetection(
            xmin: xCenter - width / 2, ymin: yCenter - height / 2, xmax: xCenter + width / 2, ymax: yCenter + height / 2,
            keypoints: keypoints, score: score, anchor: index)
    }

    private func face(from detection: AnchorDetection, letterbox: Letterbox) -> LandmarkedFace {
        let topLeft = letterbox.framePoint(x: detection.xmin, y: detection.ymin)
        let bottomRight = letterbox.framePoint(x: detection.xmax, y: detection.ymax)
        let keypoints = (0..<(detection.keypoints.count / 2)).map {
            letterbox.framePoint(x: detection.keypoints[2 * $0], y: detection.keypoints[2 * $0 + 1])
        }
        return LandmarkedFace(
            x: topLeft.x, y: topLeft.y, width: bottomRight.x - topLeft.x, height: bottomRight.y - topLeft.y, score: detection.score,
            keypoints: keypoints)
    }
}
