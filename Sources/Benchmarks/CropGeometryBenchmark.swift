import EmotionClassification
import Evaluation
import FaceDetection
import Foundation
import Imaging
import Results
import Training

/// Emotion accuracy through detection: labelled faces (FER2013 PublicTest crops) pasted at 100 to
/// 250 pixels into 640x480 scenes with varied backgrounds, found by a detector, cropped and
/// classified, so that the crop each detector's boxes give can be compared on the same faces. A
/// face is found when a detection overlaps its square (IoU at least 0.3), and right when the top
/// emotion of that detection's crop is its label.
public struct CropGeometryBenchmark {
    /// One pasted face: where it is and what it shows.
    public struct PastedFace: Sendable {
        public let box: PixelRect
        public let label: Emotion
    }

    public struct Scene: Sendable {
        public let image: RGBImage
        public let faces: [PastedFace]
    }

    /// Per pasted face, in scene order: nil when the detector missed it, else whether its crop got
    /// the face's label.
    public struct Outcomes: Sendable {
        public let crop: String
        public let rightness: [Bool?]

        public var found: Int { rightness.count { $0 != nil } }

        /// The share of `faces` (indices; all by default) this crop got right, misses counting as
        /// wrong.
        public func accuracy(over faces: [Int]? = nil) -> Double {
            let indices = faces ?? Array(rightness.indices)
            return Double(indices.count { rightness[$0] == true }) / Double(max(indices.count, 1))
        }
    }

    /// One line per crop: faces found, accuracy over all faces, and accuracy over the faces every
    /// crop found (the crops' own effect, on the same faces).
    public static func report(_ rows: [Outcomes]) -> [String] {
        guard let first = rows.first else { return [] }
        let common = first.rightness.indices.filter { index in rows.allSatisfy { $0.rightness[index] != nil } }
        return rows.map { row in
            String(
                format: "  %@ found %3d of %d; right on %5.1f%% of all, %5.1f%% of the %d every detector found",
                row.crop.padding(toLength: 36, withPad: " ", startingAt: 0), row.found, row.rightness.count,
                100 * row.accuracy(), 100 * row.accuracy(over: common), common.count)
        }
    }

    public static let sceneWidth = 640, sceneHeight = 480

    public let scenes: [Scene]

    /// `count` scenes of one or two faces each, drawn from `folder` with `seed`: the same seed and
    /// folder give the same scenes.
    public init(folder: LabelledFolder, count: Int, seed: UInt64 = 1) throws {
        var random = SeededRandom(seed: seed)
        var items = folder.items
        items.shuffle(using: &random)
        let decoder = ImageDecoder()
        var next = 0
        var scenes: [Scene] = []
        while scenes.count < count && next < items.count {
            var image = Self.background(using: &random)
            var faces: [PastedFace] = []
            let wanted = Int.random(in: 1...2, using: &random)
            var attempts = 0
            while faces.count < wanted && next < items.count && attempts < 20 {
                attempts += 1
                let side = Int.random(in: 100...250, using: &random)
                let box = PixelRect(
                    x: Int.random(in: 0...(Self.sceneWidth - side), using: &random),
                    y: Int.random(in: 0...(Self.sceneHeight - side), using: &random), width: side, height: side)
                // Apart from each other by a quarter of a side, so that no face hides another.
                guard faces.allSatisfy({ !Self.overlaps($0.box, box, margin: side / 4) }) else { continue }
                let item = items[next]
                next += 1
                let face = BilinearResize.resize(try decoder.decodeGray(contentsOf: item.path), width: side, height: side)
                Self.paste(face, at: box, into: &image)
                faces.append(PastedFace(box: box, label: item.label))
            }
            scenes.append(Scene(image: image, faces: faces))
        }
        self.scenes = scenes
    }

    /// Runs `locator` on every scene and classifies what it finds with `classifier`.
    public func measure(_ locator: FaceLocator, classifier: EmotionClassifier, name: String) -> Outcomes {
        var rightness: [Bool?] = []
        for scene in scenes {
            // As video frames: 640x480 scenes are not tiled, so the crops compare on one detection pass.
            let located = locator.locate(in: DecodedFrame(rgb: scene.image), still: false)
            let scores = located.isEmpty ? [] : classifier.classify(located.map(\.crop))
            var used = Set<Int>()
            for truth in scene.faces {
                var best: (index: Int, iou: Double)?
                for (index, face) in located.enumerated() where !used.contains(index) {
                    let iou = DetectionQuality.intersectionOverUnion(face.face.box, truth.box)
                    if iou >= 0.3 && iou > (best?.iou ?? 0) { best = (index, iou) }
                }
                guard let best else {
                    rightness.append(nil)
                    continue
                }
                used.insert(best.index)
                rightness.append(scores[best.index].top == truth.label)
            }
        }
        return Outcomes(crop: name, rightness: rightness)
    }

    static func overlaps(_ a: PixelRect, _ b: PixelRect, margin: Int) -> Bool {
        a.x - margin < b.x + b.width && b.x - margin < a.x + a.width && a.y - margin < b.y + b.height && b.y - margin < a.y + a.height
    }

    /// A gray scene: a gradient between two random levels, a few flat blocks of other greys, and
    /// pixel noise, so that the detectors see edges and texture around the faces.
    static func background(using random: inout SeededRandom) -> RGBImage {
        let width = sceneWidth, height = sceneHeight
        let from = Double.random(in: 20...235, using: &random), to = Double.random(in: 20...235, using: &random)
        let angle = Double.random(in: 0..<(2 * .pi), using: &random)
        let (dx, dy) = (cos(angle), sin(angle))
        var gray = [Double](repeating: 0, count: width * height)
        let extent = abs(dx) * Double(width) + abs(dy) * Double(height)
        for y in 0..<height {
            for x in 0..<width {
                let t = ((Double(x) - Double(width) / 2) * dx + (Double(y) - Double(height) / 2) * dy) / extent + 0.5
                gray[y * width + x] = from + (to - from) * t
            }
        }
        for _ in 0..<Int.random(in: 3...8, using: &random) {
            let w = Int.random(in: 30...300, using: &random), h = Int.random(in: 30...300, using: &random)
            let x0 = Int.random(in: -w / 2..<width, using: &random), y0 = Int.random(in: -h / 2..<height, using: &random)
            let level = Double.random(in: 0...255, using: &random)
            for y in max(0, y0)..<min(height, y0 + h) {
                for x in max(0, x0)..<min(width, x0 + w) { gray[y * width + x] = level }
            }
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let value = UInt8(clamping: Int((gray[i] + Double.random(in: -10...10, using: &random)).rounded()))
            pixels[3 * i] = value
            pixels[3 * i + 1] = value
            pixels[3 * i + 2] = value
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func paste(_ face: GrayImage, at box: PixelRect, into image: inout RGBImage) {
        for y in 0..<box.height {
            for x in 0..<box.width {
                let value = face[x, y]
                let i = ((box.y + y) * image.width + box.x + x) * 3
                image.pixels[i] = value
                image.pixels[i + 1] = value
                image.pixels[i + 2] = value
            }
        }
    }
}

extension CropGeometryBenchmark {
    /// The same faces classified from their pasted squares themselves (the FER2013 crops, resized
    /// twice): what a perfect detector with FER2013's own framing would give.
    public func measurePastedSquares(classifier: EmotionClassifier) -> Outcomes {
        var rightness: [Bool?] = []
        for scene in scenes {
            let gray = scene.image.grayscale()
            let crops = scene.faces.compactMap { gray.cropped(to: $0.box) }
            let scores = crops.isEmpty ? [] : classifier.classify(crops)
            for (truth, score) in zip(scene.faces, scores) { rightness.append(score.top == truth.label) }
        }
        return Outcomes(crop: "the pasted squares themselves", rightness: rightness)
    }
}
