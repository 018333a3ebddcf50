import Imaging

/// OpenCV's `groupRectangles`: raw detections are partitioned into classes of similar rectangles,
/// each class is averaged, classes with at most `threshold` members are dropped, and so are
/// classes lying inside a stronger one.
enum RectangleGrouping {
    static func group(_ rectangles: [PixelRect], threshold: Int, eps: Double = 0.2) -> [PixelRect] {
        guard threshold > 0, !rectangles.isEmpty else { return rectangles }
        let labels = partition(rectangles, eps: eps)
        let classes = (labels.max() ?? -1) + 1
        var totals = [(x: Int, y: Int, width: Int, height: Int)](repeating: (0, 0, 0, 0), count: classes)
        var counts = [Int](repeating: 0, count: classes)
        for (rect, label) in zip(rectangles, labels) {
            totals[label].x += rect.x
            totals[label].y += rect.y
            totals[label].width += rect.width
            totals[label].height += rect.height
            counts[label] += 1
        }
        let averages: [PixelRect] = (0..<classes).map { index in
            let scale = 1 / Float(counts[index])
            return PixelRect(
                x: roundedInt(Float(totals[index].x) * scale), y: roundedInt(Float(totals[index].y) * scale),
                width: roundedInt(Float(totals[index].width) * scale),
                height: roundedInt(Float(totals[index].height) * scale))
        }
        var result: [PixelRect] = []
        for i in 0..<classes where counts[i] > threshold {
            let r1 = averages[i], n1 = counts[i]
            let insideStronger = (0..<classes).contains { j in
                let n2 = counts[j]
                guard j != i, n2 > threshold else { return false }
                let r2 = averages[j]
                let dx = Int((Double(r2.width) * eps).rounded(.toNearestOrEven))
                let dy = Int((Double(r2.height) * eps).rounded(.toNearestOrEven))
                return r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx
                    && r1.y + r1.height <= r2.y + r2.height + dy && (n2 > max(3, n1) || n1 < 3)
            }
            if !insideStronger { result.append(r1) }
        }
        return result
    }

    /// OpenCV's SimilarRects: every edge within eps * mean of the smaller sides.
    static func similar(_ a: PixelRect, _ b: PixelRect, eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.x + a.width - b.x - b.width)) <= delta && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }

    /// Equivalence classes of the "similar" relation (union-find); labels numbered in order of
    /// their first member, as OpenCV's `partition`.
    static func partition(_ rectangles: [PixelRect], eps: Double) -> [Int] {
        var parent = Array(rectangles.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        for i in rectangles.indices {
            for j in 0..<i where similar(rectangles[i], rectangles[j], eps: eps) {
                let a = root(i), b = root(j)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var labels = [Int](repeating: -1, count: rectangles.count)
        var classOfRoot: [Int: Int] = [:]
        for i in rectangles.indices {
            let r = root(i)
            if let label = classOfRoot[r] {
                labels[i] = label
            } else {
                classOfRoot[r] = classOfRoot.count
                labels[i] = classOfRoot[r]!
            }
        }
        return labels
    }

    /// C's saturate_cast<int>(float): round half to even.
    static func roundedInt(_ value: Float) -> Int {
        Int(value.rounded(.toNearestOrEven))
    }
}
