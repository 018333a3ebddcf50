import Foundation
import Imaging

/// The printed forms of `moodwire analyze`: one JSON object per image, or a readable table.
public enum AnalysisReport {
    /// `{"image", "width", "height", "faces": [{"box": {"x", "y", "w", "h"}, "score", "keypoints":
    /// {"right_eye": [x, y], ...}, "emotion", "confidence", "probabilities": {"angry", ...,
    /// "neutral"}}]}` on one line; `score` and `keypoints` only from a detector that has them.
    public static func json(image: String, width: Int, height: Int, faces: [FaceResult]) -> String {
        let document = Document(
            image: image, width: width, height: height,
            faces: faces.map { face in
                Face(
                    box: Box(x: face.box.x, y: face.box.y, w: face.box.width, h: face.box.height),
                    score: face.face.score.map(rounded),
                    keypoints: face.face.keypoints.isEmpty
                        ? nil
                        : Dictionary(
                            uniqueKeysWithValues: zip(DetectedFace.keypointNames, face.face.keypoints).map { ($0, [rounded($1.x), rounded($1.y)]) }),
                    emotion: face.scores.top.rawValue, confidence: face.scores.confidence,
                    probabilities: Dictionary(uniqueKeysWithValues: Emotion.allCases.map { ($0.rawValue, face.scores[$0]) }))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(document), as: UTF8.self)
    }

    /// A header line and one row per face with its box, the detector's score ("-" for Haar), the top
    /// emotion and the seven probabilities.
    public static func table(image: String, width: Int, height: Int, faces: [FaceResult]) -> String {
        var lines = ["\(image) (\(width)x\(height)): \(faces.count) face\(faces.count == 1 ? "" : "s")"]
        guard !faces.isEmpty else { return lines[0] }
        let labels = Emotion.allCases.map(\.rawValue)
        lines.append(
            "  " + pad("#", 3) + ["x", "y", "w", "h"].map { pad($0, 6) }.joined() + pad("score", 7) + pad("emotion", 10)
                + labels.map { pad($0, 9) }.joined())
        for (index, face) in faces.enumerated() {
            let box = face.box
            var row = "  " + pad("\(index + 1)", 3) + [box.x, box.y, box.width, box.height].map { pad("\($0)", 6) }.joined()
            row += pad(face.face.score.map { String(format: "%.2f", $0) } ?? "-", 7)
            row += pad(face.scores.top.rawValue, 10)
            row += Emotion.allCases.map { pad(String(format: "%.3f", face.scores[$0]), 9) }.joined()
            lines.append(row)
        }
        return lines.joined(separator: "\n")
    }

    /// Keypoints and scores to 1/1000 (of a pixel): finer is noise, and shorter lines read better.
    private static func rounded(_ value: Float) -> Double { (Double(value) * 1000).rounded() / 1000 }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(1, width - text.count))
    }

    private struct Box: Encodable { let x, y, w, h: Int }

    private struct Face: Encodable {
        let box: Box
        let score: Double?
        let keypoints: [String: [Double]]?
        let emotion: String
        let confidence: Float
        let probabilities: [String: Float]
    }

    private struct Document: Encodable {
        let image: String
        let width: Int
        let height: Int
        let faces: [Face]
    }
}
