import Foundation
import Imaging
import Parallelism

/// Viola-Jones face detection with OpenCV 4's `detectMultiScale` semantics: the image is scaled
/// down level by level (window grows by `scaleFactor`), a 24x24 window slides over each level with
/// OpenCV's step rule, each window is variance-normalised and run through the cascade's stages
/// (stopping at the first that rejects it), and the raw hits are grouped.
///
/// With several threads, the pyramid levels are built and their rows of windows scanned by a
/// team of dedicated threads. A detector serves one caller at a time.
public final class FaceDetector: Sendable {
    public let cascade: HaarCascade
    public let threads: Int
    private let team: ThreadTeam?

    public init(cascade: HaarCascade, threads: Int = 1) {
        precondition(threads > 0, "thread count must be positive")
        self.cascade = cascade
        self.threads = threads
        team = threads > 1 ? ThreadTeam(size: threads) : nil
    }

    /// Face boxes in `image` coordinates, clipped to the image.
    public func detect(_ image: GrayImage, options: DetectionOptions = DetectionOptions()) -> [PixelRect] {
        RectangleGrouping.group(candidates(image, options: options), threshold: options.minNeighbors).compactMap { box in
            let x0 = max(box.x, 0), y0 = max(box.y, 0)
            let x1 = min(box.x + box.width, image.width), y1 = min(box.y + box.height, image.height)
            return x1 > x0 && y1 > y0 ? PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0) : nil
        }
    }

    /// Every window the cascade accepts, before grouping, sorted by position so that any thread
    /// count gives the same list.
    func candidates(_ image: GrayImage, options: DetectionOptions) -> [PixelRect] {
        let scales = scales(for: image, options: options)
        guard !scales.isEmpty else { return [] }
        // Each member writes only its own slots: levels index % members == member, and found[member].
        let levels = UnsafeMutableBufferPointer<PyramidLevel?>.allocate(capacity: scales.count)
        levels.initialize(repeating: nil)
        let found = UnsafeMutableBufferPointer<[PixelRect]>.allocate(capacity: threads)
        found.initialize(repeating: [])
        defer {
            levels.deinitialize().deallocate()
            found.deinitialize().deallocate()
        }
        func build(_ member: Int, _ members: Int) {
            for index in stride(from: member, to: scales.count, by: members) {
                levels[index] = PyramidLevel(image: image, scale: scales[index], cascade: cascade)
            }
        }
        func scan(_ member: Int, _ members: Int) {
            // OpenCV's parallel loop cuts each level's rows into stripes sized from the first
            // level's width, and the cut can leave the last row of a level unscanned; OpenCV's
            // answers include that, so the scan does the same.
            let stripes = Int((Double(levels[0]!.workingWidth) / 32).rounded(.up))
            for level in levels {
                level!.scan(cascade: cascade, stripes: stripes, rowPhase: member, rowStride: members, into: &found[member])
            }
        }
        if let team {
            team.run { build($0, team.size) }
            team.run { scan($0, team.size) }
        } else {
            build(0, 1)
            scan(0, 1)
        }
        return found.joined().sorted { ($0.y, $0.x, $0.width) < ($1.y, $1.x, $1.width) }
    }

    /// OpenCV's scale list: factors 1, s, s^2, ... (as Float) while the window fits the image
    /// and `maxSize`, skipping those whose window is under `minSize`.
    func scales(for image: GrayImage, options: DetectionOptions) -> [Float] {
        precondition(options.scaleFactor > 1, "scaleFactor must be greater than 1")
        let maxSize = options.maxSize ?? max(image.width, image.height)
        var result: [Float] = []
        var factor = 1.0
        while true {
            let width = Int((Double(cascade.windowWidth) * factor).rounded(.toNearestOrEven))
            let height = Int((Double(cascade.windowHeight) * factor).rounded(.toNearestOrEven))
            if width > maxSize || height > maxSize || width > image.width || height > image.height { break }
            if width >= options.minSize && height >= options.minSize { result.append(Float(factor)) }
            factor *= options.scaleFactor
        }
        return result
    }
}

/// One pyramid level: the image scaled by 1/scale, its integral images and the cascade's
/// rectangle corners as offsets into them.
struct PyramidLevel {
    let scale: Float
    let integral: IntegralImage
    /// Window positions step by this in x and y (OpenCV: 1 from scale 2 up, else 2).
    let step: Int
    /// Per feature rectangle: the four corner offsets and the weight, flattened.
    let corners: [Int32]
    let weights: [Float]
    /// Per feature: index of its first rectangle and the count (2 or 3).
    let featureStart: [Int32]
    let normCorners: (Int, Int, Int, Int)
    let normArea: Double
    /// The cascade laid out flat for this level when every tree is a stump (the face cascades):
    /// each stump's rectangle corners already offset for this level's stride, in stage order.
    let stumps: [FlatStump]?
    /// Per stage: the end index of its stumps in `stumps`, and its threshold.
    let stageEnds: [Int]
    let stageThresholds: [Double]

    struct FlatStump {
        var corners: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32)
        var weights: (Float, Float, Float)
        var threshold: Float
        var left: Float
        var right: Float
    }

    init(image: GrayImage, scale: Float, cascade: HaarCascade) {
        self.scale = scale
        let width = Int((Float(image.width) / scale).rounded(.toNearestOrEven))
        let height = Int((Float(image.height) / scale).rounded(.toNearestOrEven))
        let scaled = LinearExactResize.resize(image, width: width, height: height)
        integral = IntegralImage(scaled)
        step = scale >= 2 ? 1 : 2
        workingWidth = max(width + 1 - cascade.windowWidth, 0)
        workingHeight = max(height + 1 - cascade.windowHeight, 0)
        let stride = integral.stride
        var corners: [Int32] = [], weights: [Float] = [], featureStart: [Int32] = []
        for feature in cascade.features {
            featureStart.append(Int32(weights.count))
            for rect in feature.rects {
                corners += [
                    rect.y * stride + rect.x, rect.y * stride + rect.x + rect.width,
                    (rect.y + rect.height) * stride + rect.x, (rect.y + rect.height) * stride + rect.x + rect.width
                ].map { Int32($0) }
                weights.append(rect.weight)
            }
        }
        featureStart.append(Int32(weights.count))
        self.corners = corners
        self.weights = weights
        self.featureStart = featureStart
        if cascade.stages.allSatisfy({ $0.trees.allSatisfy { $0.nodes.count == 1 } }) {
            var flat: [FlatStump] = []
            for tree in cascade.stages.flatMap(\.trees) {
                let node = tree.nodes[0]
                let first = Int(featureStart[node.feature]), count = Int(featureStart[node.feature + 1]) - first
                func corner(_ i: Int) -> Int32 { i < count * 4 ? corners[first * 4 + i] : 0 }
                flat.append(
                    FlatStump(
                        corners: (
                            corner(0), corner(1), corner(2), corner(3), corner(4), corner(5), corner(6), corner(7),
                            corner(8), corner(9), corner(10), corner(11)
                        ),
                        weights: (weights[first], weights[first + 1], count > 2 ? weights[first + 2] : 0),
                        threshold: node.threshold, left: tree.leaves[0], right: tree.leaves[1]))
            }
            stumps = flat
        } else {
            stumps = nil
        }
        var end = 0
        stageEnds = cascade.stages.map {
            end += $0.trees.count
            return end
        }
        stageThresholds = cascade.stages.map { Double($0.threshold) }
        let nw = cascade.windowWidth - 2, nh = cascade.windowHeight - 2
        normCorners = (stride + 1, stride + 1 + nw, (1 + nh) * stride + 1, (1 + nh) * stride + 1 + nw)
        normArea = Double(nw * nh)
    }

    /// Window origins per row and rows of origins.
    let workingWidth: Int
    let workingHeight: Int

    /// Runs the cascade at every window position of this level and appends the accepted windows,
    /// in original image coordinates.
    /// Scans the rows of window origins numbered rowPhase, rowPhase + rowStride, ... (so that
    /// threads can share a level).
    func scan(cascade: HaarCascade, stripes: Int, rowPhase: Int = 0, rowStride: Int = 1, into found: inout [PixelRect]) {
        guard stripes > 0 else { return }
        let boxWidth = Int((Float(cascade.windowWidth) * scale).rounded(.toNearestOrEven))
        let boxHeight = Int((Float(cascade.windowHeight) * scale).rounded(.toNearestOrEven))
        let stripe = max((workingHeight / step + stripes - 1) / stripes, 1) * step
        let rowsEnd = min(stripes * stripe, workingHeight)
        var y = rowPhase * step
        while y < rowsEnd {
            var x = 0
            while x < workingWidth {
                let result = evaluate(cascade: cascade, x: x, y: y)
                if result > 0 {
                    found.append(
                        PixelRect(
                            x: Int((Float(x) * scale).rounded(.toNearestOrEven)),
                            y: Int((Float(y) * scale).rounded(.toNearestOrEven)),
                            width: boxWidth, height: boxHeight))
                }
                // Rejected by the first stage: OpenCV skips the next position too.
                if result == 0 { x += step }
                x += step
            }
            y += step * rowStride
        }
    }

    /// 1 when every stage accepts the window at (x, y); minus the rejecting stage's index
    /// otherwise (0 for the first stage); -1 for a window too flat to normalise.
    func evaluate(cascade: HaarCascade, x: Int, y: Int) -> Int {
        integral.sums.withUnsafeBufferPointer { sums in
            integral.squares.withUnsafeBufferPointer { squares in
                let origin = y * integral.stride + x
                let n = normCorners
                let sum = sums[origin + n.0] &- sums[origin + n.1] &- sums[origin + n.2] &+ sums[origin + n.3]
                let square = squares[origin + n.0] &- squares[origin + n.1] &- squares[origin + n.2] &+ squares[origin + n.3]
                var normalizer = Double(square) * normArea - Double(sum) * Double(sum)
                guard normalizer > 0 else { return -1 }
                normalizer = normalizer.squareRoot()
                let factor = Float(1 / normalizer)
                // OpenCV skips windows of almost uniform brightness.
                guard normArea * Double(factor) < 0.1 else { return -1 }
                if let stumps {
                    return evaluateStumps(stumps, origin: origin, factor: factor, sums: sums)
                }
                for (index, stage) in cascade.stages.enumerated() {
                    // OpenCV sums a stage's leaves in double precision.
                    var total: Double = 0
                    for tree in stage.trees {
                        var node = 0
                        repeat {
                            let split = tree.nodes[node]
                            let value = featureValue(split.feature, origin: origin, sums: sums) * factor
                            node = value < split.threshold ? split.left : split.right
                        } while node > 0
                        total += Double(tree.leaves[-node])
                    }
                    if total < Double(stage.threshold) { return -index }
                }
                return 1
            }
        }
    }

    /// The stage loop over the flat stumps (same arithmetic as the general loop: OpenCV's float
    /// feature values, and a third rectangle only when its weight is not zero).
    @inline(__always)
    private func evaluateStumps(_ stumps: [FlatStump], origin: Int, factor: Float, sums: UnsafeBufferPointer<Int32>) -> Int {
        stumps.withUnsafeBufferPointer { stumps in
            let base = sums.baseAddress! + origin
            @inline(__always) func area(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32) -> Float {
                Float(base[Int(a)] &- base[Int(b)] &- base[Int(c)] &+ base[Int(d)])
            }
            var index = 0
            for stage in 0..<stageEnds.count {
                var total: Double = 0
                let end = stageEnds[stage]
                while index < end {
                    let stump = stumps[index]
                    let k = stump.corners
                    var value = stump.weights.0 * area(k.0, k.1, k.2, k.3) + stump.weights.1 * area(k.4, k.5, k.6, k.7)
                    if stump.weights.2 != 0 { value = value + stump.weights.2 * area(k.8, k.9, k.10, k.11) }
                    total += Double(value * factor < stump.threshold ? stump.left : stump.right)
                    index += 1
                }
                if total < stageThresholds[stage] { return -stage }
            }
            return 1
        }
    }

    @inline(__always)
    private func featureValue(_ feature: Int, origin: Int, sums: UnsafeBufferPointer<Int32>) -> Float {
        let start = Int(featureStart[feature]), end = Int(featureStart[feature + 1])
        var value: Float = 0
        for rect in start..<end {
            let c = rect * 4
            let area =
                sums[origin + Int(corners[c])] &- sums[origin + Int(corners[c + 1])]
                &- sums[origin + Int(corners[c + 2])] &+ sums[origin + Int(corners[c + 3])]
            value += weights[rect] * Float(area)
        }
        return value
    }
}
