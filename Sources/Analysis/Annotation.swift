import Imaging
import Results

/// Draws analysis results on a photo: a box per face in its top emotion's colour and a label
/// with the emotion and its probability above it (inside the box when there is no room above), and
/// the detector's keypoints as dots.
public enum Annotation {
    static func color(_ emotion: Emotion) -> (UInt8, UInt8, UInt8) {
        switch emotion {
        case .angry: (220, 40, 40)
        case .disgust: (60, 160, 60)
        case .fear: (150, 80, 200)
        case .happy: (240, 200, 0)
        case .sad: (50, 110, 220)
        case .surprise: (255, 140, 0)
        case .neutral: (170, 170, 170)
        }
    }

    public static func draw(_ faces: [FaceResult], on image: RGBImage) -> RGBImage {
        var canvas = image
        for face in faces {
            let emotion = face.scores.top
            let color = color(emotion)
            let box = face.box
            let thickness = max(2, min(box.width, box.height) / 40)
            canvas.strokeRectangle(box, color: color, thickness: thickness)
            for point in face.face.keypoints {
                let dot = 2 * thickness
                canvas.fill(
                    PixelRect(x: Int(point.x.rounded()) - dot / 2, y: Int(point.y.rounded()) - dot / 2, width: dot, height: dot), color: color)
            }
            let scale = max(1, min(4, box.width / 60))
            let label = "\(emotion.rawValue) \(Int((face.scores.confidence * 100).rounded()))%"
            let text = RGBImage.textSize(label, scale: scale)
            let labelWidth = text.width + scale, labelHeight = text.height + 2 * scale
            let top = box.y - labelHeight >= 0 ? box.y - labelHeight : box.y
            canvas.fill(PixelRect(x: box.x, y: top, width: labelWidth, height: labelHeight), color: color)
            let light = [Emotion.happy, .surprise, .neutral].contains(emotion)
            canvas.drawText(label, x: box.x + scale, y: top + scale, scale: scale, color: light ? (0, 0, 0) : (255, 255, 255))
        }
        return canvas
    }
}
