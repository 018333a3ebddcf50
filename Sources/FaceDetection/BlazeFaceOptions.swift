/// How a BlazeFace model's outputs become faces: MediaPipe's options for its anchors, box decoding,
/// scores and non-maximum suppression, as `scripts/convert_tflite_model.py` records them in the
/// model file's `detector` metadata (the names are MediaPipe's calculator options), so that the
/// detector has no constants of its own.
public struct BlazeFaceOptions: Decodable, Sendable, Equatable {
    public struct Anchors: Decodable, Sendable, Equatable {
        public var numLayers: Int
        public var minScale: Double
        public var maxScale: Double
        public var inputSizeHeight: Int
        public var inputSizeWidth: Int
        public var anchorOffsetX: Double
        public var anchorOffsetY: Double
        public var strides: [Int]
        public var aspectRatios: [Double]
        public var fixedAnchorSize: Bool
        public var interpolatedScaleAspectRatio: Double
        public var reduceBoxesInLowestLayer: Bool

        enum CodingKeys: String, CodingKey {
            case numLayers = "num_layers", minScale = "min_scale", maxScale = "max_scale"
            case inputSizeHeight = "input_size_height", inputSizeWidth = "input_size_width"
            case anchorOffsetX = "anchor_offset_x", anchorOffsetY = "anchor_offset_y", strides
            case aspectRatios = "aspect_ratios", fixedAnchorSize = "fixed_anchor_size"
            case interpolatedScaleAspectRatio = "interpolated_scale_aspect_ratio"
            case reduceBoxesInLowestLayer = "reduce_boxes_in_lowest_layer"
        }
    }

    public struct Suppression: Decodable, Sendable, Equatable {
        public var algorithm: String
        public var minSuppressionThreshold: Double

        enum CodingKeys: String, CodingKey {
            case algorithm, minSuppressionThreshold = "min_suppression_threshold"
        }
    }

    public var model: String
    /// [height, width] of the network input.
    public var inputSize: [Int]
    public var anchors: Anchors
    public var numBoxes: Int
    public var numCoords: Int
    public var boxFormat: String
    public var boxCoordOffset: Int
    public var keypointCoordOffset: Int
    public var numKeypoints: Int
    public var numValuesPerKeypoint: Int
    /// MediaPipe's keypoint names, in output order ("right" is the subject's right).
    public var keypoints: [String]
    public var xScale: Double
    public var yScale: Double
    public var wScale: Double
    public var hScale: Double
    public var applyExponentialOnBoxSize: Bool
    public var sigmoidScore: Bool
    public var scoreClippingThresh: Double
    /// The default minimum score of a face.
    public var minScoreThresh: Double
    public var nms: Suppression
    /// The graph outputs holding the boxes and the scores, paired by position.
    public var regressorOutputs: [String]
    public var classifierOutputs: [String]

    enum CodingKeys: String, CodingKey {
        case model, inputSize = "input_size", anchors, numBoxes = "num_boxes", numCoords = "num_coords"
        case boxFormat = "box_format", boxCoordOffset = "box_coord_offset", keypointCoordOffset = "keypoint_coord_offset"
        case numKeypoints = "num_keypoints", numValuesPerKeypoint = "num_values_per_keypoint", keypoints
        case xScale = "x_scale", yScale = "y_scale", wScale = "w_scale", hScale = "h_scale"
        case applyExponentialOnBoxSize = "apply_exponential_on_box_size", sigmoidScore = "sigmoid_score"
        case scoreClippingThresh = "score_clipping_thresh", minScoreThresh = "min_score_thresh", nms
        case regressorOutputs = "regressor_outputs", classifierOutputs = "classifier_outputs"
    }

    /// Why the options cannot drive the detector, or nil: the parts of MediaPipe's calculators that
    /// Moodwire implements are the ones BlazeFace uses.
    var unsupported: String? {
        if boxFormat != "xywh" { return "box format \(boxFormat) (only xywh)" }
        if numValuesPerKeypoint != 2 { return "\(numValuesPerKeypoint) values per keypoint (only 2)" }
        if keypointCoordOffset + 2 * numKeypoints > numCoords || boxCoordOffset + 4 > numCoords {
            return "\(numCoords) coordinates cannot hold the box and \(numKeypoints) keypoints"
        }
        if nms.algorithm != "weighted" { return "suppression \(nms.algorithm) (only weighted)" }
        if regressorOutputs.isEmpty || regressorOutputs.count != classifierOutputs.count {
            return "\(regressorOutputs.count) box outputs for \(classifierOutputs.count) score outputs"
        }
        if anchors.strides.count != anchors.numLayers || anchors.aspectRatios.isEmpty { return "anchor layers do not match their strides" }
        return nil
    }
}
