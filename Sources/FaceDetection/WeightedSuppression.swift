/// A face the network found: box and keypoints as fractions of the network input, and its score.
struct AnchorDetection: Sendable {
    var xmin: Double, ymin: Double, xmax: Double, ymax: Double
    var keypoints: [Double]
    var score: Double
    /// The anchor it came from, and how many detections were merged into it.
    var anchor: Int
    var merged = 1

    var area: Double { max(0, xmax - xmin) * max(0, ymax - ymin) }

    /// Intersection over union as MediaPipe's OverlapSimilarity computes it: 0 when the boxes do
    /// not touch (touching edges count as intersecting, with no area).
    func overlap(_ other: AnchorDetection) -> Double {
        guard xmin <= xmax, ymin <= ymax, other.xmin <= other.xmax, other.ymin <= other.ymax,
            !(other.xmin > xmax || other.xmax < xmin || other.ymin > ymax || other.ymax < ymin)
        else { return 0 }
        let intersection = (min(xmax, other.xmax) - max(xmin, other.xmin)) * (min(ymax, other.ymax) - max(ymin, other.ymin))
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }
}

/// MediaPipe's weighted non-maximum suppression (NonMaxSuppressionCalculator, WEIGHTED): the best
/// remaining detection absorbs every detection that overlaps it by more than `threshold` (itself
/// included), and its box and keypoints become their score-weighted mean; it keeps its own score.
/// Ties in score keep anchor order, so the result does not depend on the sort.
enum WeightedSuppression {
    static func apply(_ detections: [AnchorDetection], threshold: Double) -> [AnchorDetection] {
        var remaining = detections.sorted { $0.score != $1.score ? $0.score > $1.score : $0.anchor < $1.anchor }
        var result: [AnchorDetection] = []
        while let top = remaining.first {
            var cluster: [AnchorDetection] = [], rest: [AnchorDetection] = []
            for detection in remaining {
                if detection.overlap(top) > threshold { cluster.append(detection) } else { rest.append(detection) }
            }
            var merged = top
            if !cluster.isEmpty {
                let total = cluster.reduce(0) { $0 + $1.score }
                func mean(_ value: (AnchorDetection) -> Double) -> Double { cluster.reduce(0) { $0 + value($1) * $1.score } / total }
                merged.xmin = mean(\.xmin)
                merged.ymin = mean(\.ymin)
                merged.xmax = mean(\.xmax)
                merged.ymax = mean(\.ymax)
                merged.keypoints = top.keypoints.indices.map { k in mean { $0.keypoints[k] } }
                merged.merged = cluster.count
            }
            result.append(merged)
            // A top box of no area absorbs nothing, not even itself: MediaPipe stops there.
            if rest.count == remaining.count { break }
            remaining = rest
        }
        return result
    }
}
