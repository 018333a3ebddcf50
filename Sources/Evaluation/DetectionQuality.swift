import Foundation
import Imaging

/// Detection quality against hand-annotated boxes: each annotated face is matched to at most one
/// detection (best IoU first, at least `threshold`). Faces marked `ignore` may be found or missed
/// without penalty: a detection on one is neither a hit nor a false alarm.
public struct DetectionQuality: Sendable, Equatable {
    public private(set) var faces = 0
    public private(set) var found = 0
    public private(set) var detections = 0
    public private(set) var falseAlarms = 0

    public init() {}

    public var recall: Double { faces == 0 ? 0 : Double(found) / Double(faces) }
    public var precision: Double { found + falseAlarms == 0 ? 0 : Double(found) / Double(found + falseAlarms) }

    public static func intersectionOverUnion(_ a: PixelRect, _ b: PixelRect) -> Double {
        let w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
        let h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
        guard w > 0, h > 0 else { return 0 }
        let inter = Double(w * h)
        return inter / (Double(a.width * a.height + b.width * b.height) - inter)
    }

    /// Adds one image's detections against its annotations.
    public mutating func add(detections boxes: [PixelRect], annotations: [(box: PixelRect, ignore: Bool)], threshold: Double = 0.4) {
        var pairs: [(iou: Double, detection: Int, annotation: Int)] = []
        for (d, box) in boxes.enumerated() {
            for (a, annotation) in annotations.enumerated() {
                let iou = Self.intersectionOverUnion(box, annotation.box)
                if iou >= threshold { pairs.append((iou, d, a)) }
            }
        }
        var detectionUsed = Set<Int>(), annotationUsed = Set<Int>()
        for pair in pairs.sorted(by: { $0.iou > $1.iou })
        where !detectionUsed.contains(pair.detection) && !annotationUsed.contains(pair.annotation) {
            detectionUsed.insert(pair.detection)
            annotationUsed.insert(pair.annotation)
            if !annotations[pair.annotation].ignore { found += 1 }
        }
        faces += annotations.filter { !$0.ignore }.count
        detections += boxes.count
        falseAlarms += boxes.count - detectionUsed.count
    }

    /// The annotations of ../shared/data/faces/boxes.json: file name -> faces (images without
    /// annotations, `faces: null`, are left out).
    public static func annotations(from url: URL) throws -> [String: [(box: PixelRect, ignore: Bool)]] {
        struct File: Decodable {
            struct Image: Decodable {
                struct Face: Decodable {
                    let x, y, w, h: Int
                    let ignore: Bool?
                }
                let file: String
                let faces: [Face]?
            }
            let images: [Image]
        }
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        var result: [String: [(box: PixelRect, ignore: Bool)]] = [:]
        for image in file.images {
            guard let faces = image.faces else { continue }
            result[image.file] = faces.map { (PixelRect(x: $0.x, y: $0.y, width: $0.w, height: $0.h), $0.ignore ?? false) }
        }
        return result
    }
}
