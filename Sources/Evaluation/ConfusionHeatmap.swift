import Foundation
import Results

/// The confusion matrix as an SVG heat map: one cell per (true, predicted) pair, shaded by the
/// share of the true label's images it holds, with the count written in it.
public enum ConfusionHeatmap {
    public static func svg(_ matrix: ConfusionMatrix, title: String) -> String {
        let labels = Emotion.allCases.map(\.rawValue)
        let cell = 64, left = 110, top = 70
        let side = cell * labels.count
        let width = left + side + 20, height = top + side + 60
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="24" text-anchor="middle" font-size="16">\(escape(title))</text>
            <text x="\(left + side / 2)" y="\(top + side + 45)" text-anchor="middle" font-size="13">predicted</text>
            <text x="18" y="\(top + side / 2)" text-anchor="middle" font-size="13" transform="rotate(-90 18 \(top + side / 2))">true label</text>

            """
        for (column, label) in labels.enumerated() {
            svg += "<text x=\"\(left + column * cell + cell / 2)\" y=\"\(top - 8)\" text-anchor=\"middle\" font-size=\"12\">\(label)</text>\n"
        }
        for (row, label) in labels.enumerated() {
            let rowTotal = max(1, matrix.counts[row].reduce(0, +))
            svg += "<text x=\"\(left - 8)\" y=\"\(top + row * cell + cell / 2 + 4)\" text-anchor=\"end\" font-size=\"12\">\(label)</text>\n"
            for column in labels.indices {
                let count = matrix.counts[row][column]
                let share = Double(count) / Double(rowTotal)
                // White to deep blue; text turns white on dark cells.
                let red = Int(255 - share * 222), green = Int(255 - share * 160), blue = Int(255 - share * 75)
                let x = left + column * cell, y = top + row * cell
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(red),\(green),\(blue))\" stroke=\"#ccc\"/>"
                svg +=
                    "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 5)\" text-anchor=\"middle\" font-size=\"13\" fill=\"\(share > 0.5 ? "white" : "black")\">\(count)</text>\n"
            }
        }
        svg += "</svg>\n"
        return svg
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
