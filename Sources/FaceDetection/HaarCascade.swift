import Foundation

/// A boosted cascade of Haar-feature stumps, as OpenCV stores it in XML: both the current format
/// (`<cascade>` with `<stages>`/`<features>`, e.g. /usr/share/opencv4/haarcascades) and the older
/// `opencv-haar-classifier` format the fer wheel ships. Weak classifiers are small decision trees
/// (one split, a "stump", in frontalface_default; two in _alt2). LBP/HOG features, tilted
/// features and multi-split trees in the old format are refused with a clear error.
public struct HaarCascade: Sendable {
    /// One weighted rectangle of a feature, in window coordinates.
    public struct WeightedRect: Sendable, Equatable {
        public let x: Int, y: Int, width: Int, height: Int
        public let weight: Float
    }

    /// A Haar feature: the weighted sum of two or three rectangle sums.
    public struct Feature: Sendable, Equatable {
        public let rects: [WeightedRect]
    }

    /// A split: go `left` when the feature value is below `threshold`, else `right`. A child
    /// above 0 is another node's index in the tree; 0 or below is leaf number -child.
    public struct Node: Sendable, Equatable {
        public let feature: Int
        public let threshold: Float
        public let left: Int
        public let right: Int
    }

    /// A weak classifier: a decision tree starting at node 0.
    public struct Tree: Sendable, Equatable {
        public let nodes: [Node]
        public let leaves: [Float]

        /// The one-split tree `value < threshold ? left : right`.
        public static func stump(feature: Int, threshold: Float, left: Float, right: Float) -> Tree {
            Tree(nodes: [Node(feature: feature, threshold: threshold, left: 0, right: -1)], leaves: [left, right])
        }
    }

    /// A stage passes when the sum of its trees' leaves reaches `threshold`.
    public struct Stage: Sendable, Equatable {
        public let threshold: Float
        public let trees: [Tree]
    }

    /// OpenCV lowers every stage threshold by this when it loads a cascade.
    static let thresholdEpsilon: Float = 1e-5

    /// The detection window the cascade was trained on (24x24 for the frontal-face cascades).
    public let windowWidth: Int
    public let windowHeight: Int
    public let stages: [Stage]
    public let features: [Feature]

    public init(windowWidth: Int, windowHeight: Int, stages: [Stage], features: [Feature]) {
        self.windowWidth = windowWidth
        self.windowHeight = windowHeight
        self.stages = stages
        self.features = features
    }

    public init(contentsOf path: String) throws(CascadeError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        try self.init(xml: data, source: path)
    }

    public init(xml data: Data, source: String) throws(CascadeError) {
        let root: XMLElement
        switch XMLElement.parse(data) {
        case let .success(element): root = element
        case let .failure(error): throw .malformed(source: source, reason: "line \(error.line): \(error.reason)")
        }
        // OpenCV FileStorage XML: <opencv_storage> holds one cascade element.
        guard root.name == "opencv_storage", let cascade = root.children.first else {
            throw .malformed(source: source, reason: "not an OpenCV cascade file (no <opencv_storage> element)")
        }
        if cascade.child("stageType") != nil || cascade.child("featureType") != nil {
            self = try Self.readCurrentFormat(cascade, source: source)
        } else if cascade.child("size") != nil {
            self = try Self.readOldFormat(cascade, source: source)
        } else {
            throw .malformed(source: source, reason: "<\(cascade.name)> is neither a current nor an old-format Haar cascade")
        }
        guard !stages.isEmpty else { throw .malformed(source: source, reason: "the cascade has no stages") }
    }

    private static func readCurrentFormat(_ cascade: XMLElement, source: String) throws(CascadeError) -> HaarCascade {
        let stageType = cascade.child("stageType")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let featureType = cascade.child("featureType")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard stageType == "BOOST" else { throw .unsupported(source: source, reason: "stage type \(stageType); only BOOST") }
        guard featureType == "HAAR" else {
            throw .unsupported(source: source, reason: "feature type \(featureType); only HAAR cascades are supported")
        }
        let width = try integer(cascade.child("width"), "width", source)
        let height = try integer(cascade.child("height"), "height", source)
        guard let stageList = cascade.child("stages")?.children, let featureList = cascade.child("features")?.children else {
            throw .malformed(source: source, reason: "missing <stages> or <features>")
        }
        var features: [Feature] = []
        for (index, element) in featureList.enumerated() {
            if let tilted = element.child("tilted"), tilted.text.trimmingCharacters(in: .whitespacesAndNewlines) != "0" {
                throw .unsupported(source: source, reason: "feature \(index) is tilted; tilted Haar features are not supported")
            }
            features.append(try feature(element.child("rects"), index: index, width: width, height: height, source: source))
        }
        var stages: [Stage] = []
        for (index, element) in stageList.enumerated() {
            let threshold = try number(element.child("stageThreshold"), "stageThreshold", source) - thresholdEpsilon
            var trees: [Tree] = []
            for weak in element.child("weakClassifiers")?.children ?? [] {
                trees.append(try tree(weak, stage: index, featureCount: features.count, source: source))
            }
            guard !trees.isEmpty else { throw .malformed(source: source, reason: "stage \(index) has no weak classifiers") }
            stages.append(Stage(threshold: threshold, trees: trees))
        }
        return HaarCascade(windowWidth: width, windowHeight: height, stages: stages, features: features)
    }

    /// The old `opencv-haar-classifier` format: features inline in each tree node.
    private static func readOldFormat(_ cascade: XMLElement, source: String) throws(CascadeError) -> HaarCascade {
        let size = cascade.child("size")?.words.compactMap { Int($0) } ?? []
        guard size.count == 2, size[0] > 0, size[1] > 0 else { throw .malformed(source: source, reason: "invalid <size>") }
        // OpenCV's converter reads <size> as height, then width.
        let (height, width) = (size[0], size[1])
        var features: [Feature] = []
        var stages: [Stage] = []
        for (index, element) in (cascade.child("stages")?.children ?? []).enumerated() {
            let threshold = try number(element.child("stage_threshold"), "stage_threshold", source) - thresholdEpsilon
            var trees: [Tree] = []
            for tree in element.child("trees")?.children ?? [] {
                guard tree.children.count == 1, let node = tree.children.first,
                    node.child("left_val") != nil, node.child("right_val") != nil
                else {
                    throw .unsupported(source: source, reason: "stage \(index) has a tree with more than one split; only stumps are supported")
                }
                guard let featureElement = node.child("feature") else {
                    throw .malformed(source: source, reason: "stage \(index) has a node without a feature")
                }
                if let tilted = featureElement.child("tilted"), tilted.text.trimmingCharacters(in: .whitespacesAndNewlines) != "0" {
                    throw .unsupported(source: source, reason: "stage \(index) uses a tilted feature; tilted Haar features are not supported")
                }
                // OpenCV's converter drops a third rectangle whose weight is below float epsilon.
                let parsed = try feature(featureElement.child("rects"), index: features.count, width: width, height: height, source: source)
                features.append(
                    Feature(rects: parsed.rects.enumerated().filter { $0.offset < 2 || abs($0.element.weight) >= Float.ulpOfOne }.map(\.element)))
                trees.append(
                    .stump(
                        feature: features.count - 1,
                        threshold: try number(node.child("threshold"), "threshold", source),
                        left: try number(node.child("left_val"), "left_val", source),
                        right: try number(node.child("right_val"), "right_val", source)))
            }
            guard !trees.isEmpty else { throw .malformed(source: source, reason: "stage \(index) has no trees") }
            stages.append(Stage(threshold: threshold, trees: trees))
        }
        return HaarCascade(windowWidth: width, windowHeight: height, stages: stages, features: features)
    }

    /// A weak classifier of the current format: `internalNodes` in fours (left, right, feature,
    /// threshold) and `leafValues`.
    private static func tree(_ weak: XMLElement, stage: Int, featureCount: Int, source: String) throws(CascadeError) -> Tree {
        let numbers = weak.child("internalNodes")?.words ?? []
        let leaves = (weak.child("leafValues")?.words ?? []).compactMap { Double($0).map(Float.init) }
        guard !numbers.isEmpty, numbers.count % 4 == 0 else {
            throw .malformed(source: source, reason: "stage \(stage) has a weak classifier with invalid internalNodes")
        }
        var nodes: [Node] = []
        for start in stride(from: 0, to: numbers.count, by: 4) {
            guard let left = Int(numbers[start]), let right = Int(numbers[start + 1]), let feature = Int(numbers[start + 2]),
                let threshold = Double(numbers[start + 3]).map(Float.init), (0..<featureCount).contains(feature)
            else {
                throw .malformed(source: source, reason: "stage \(stage) has an invalid tree node")
            }
            nodes.append(Node(feature: feature, threshold: threshold, left: left, right: right))
        }
        let nodeCount = nodes.count
        let valid = nodes.allSatisfy { node in
            [node.left, node.right].allSatisfy { $0 > 0 ? $0 < nodeCount : -$0 < leaves.count }
        }
        guard valid, leaves.count == nodeCount + 1 else {
            throw .malformed(source: source, reason: "stage \(stage) has a tree whose children do not match its \(leaves.count) leaves")
        }
        return Tree(nodes: nodes, leaves: leaves)
    }

    private static func feature(_ rects: XMLElement?, index: Int, width: Int, height: Int, source: String) throws(CascadeError) -> Feature {
        var result: [WeightedRect] = []
        for rect in rects?.children ?? [] {
            let words = rect.words
            guard words.count == 5, let x = Int(words[0]), let y = Int(words[1]), let w = Int(words[2]),
                let h = Int(words[3]), let weight = Double(words[4]).map(Float.init)
            else {
                throw .malformed(source: source, reason: "feature \(index) has an invalid rectangle '\(rect.text)'")
            }
            guard x >= 0, y >= 0, w > 0, h > 0, x + w <= width, y + h <= height else {
                throw .malformed(source: source, reason: "feature \(index) has a rectangle outside the \(width)x\(height) window")
            }
            result.append(WeightedRect(x: x, y: y, width: w, height: h, weight: weight))
        }
        guard (2...3).contains(result.count) else {
            throw .malformed(source: source, reason: "feature \(index) has \(result.count) rectangles; Haar features have 2 or 3")
        }
        return Feature(rects: result)
    }

    private static func integer(_ element: XMLElement?, _ name: String, _ source: String) throws(CascadeError) -> Int {
        guard let text = element?.text.trimmingCharacters(in: .whitespacesAndNewlines), let value = Int(text), value > 0 else {
            throw .malformed(source: source, reason: "missing or invalid <\(name)>")
        }
        return value
    }

    private static func number(_ element: XMLElement?, _ name: String, _ source: String) throws(CascadeError) -> Float {
        // OpenCV reads numbers as double and narrows them to float; do the same for identical values.
        guard let text = element?.text.trimmingCharacters(in: .whitespacesAndNewlines), let value = Double(text) else {
            throw .malformed(source: source, reason: "missing or invalid <\(name)>")
        }
        return Float(value)
    }
}

/// Why a cascade file was refused.
public enum CascadeError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(source: String, reason: String)
    case unsupported(source: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read cascade file (\(reason))"
        case let .malformed(source, reason): "\(source): invalid cascade: \(reason)"
        case let .unsupported(source, reason): "\(source): unsupported cascade: \(reason)"
        }
    }
}
