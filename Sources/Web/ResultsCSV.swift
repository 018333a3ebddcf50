import Results
import TextFormats

/// The CSV export of the results API: one row per face, RFC 4180.
enum ResultsCSV {
    static func text(_ rows: [ResultsReader.FaceRow]) -> String {
        let emotions = Emotion.allCases.map(\.rawValue)
        var lines = [
            (["source", "seq", "captured_at", "captured_time", "face_index", "x", "y", "w", "h", "emotion", "confidence"] + emotions)
                .joined(separator: ",")
        ]
        for row in rows {
            let fields =
                [
                    CSVText.field(row.source), "\(row.seq)", "\(row.captured_at)", row.captured_time, "\(row.face_index)",
                    "\(row.box.x)", "\(row.box.y)", "\(row.box.w)", "\(row.box.h)", row.emotion, "\(row.confidence)"
                ]
                + emotions.map { "\(row.probabilities[$0] ?? 0)" }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
