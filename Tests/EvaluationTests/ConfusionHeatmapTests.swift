import Evaluation
import Foundation
import Results
import TestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite struct ConfusionHeatmapTests {
    /// A matrix whose 49 counts are all different, so a count in the wrong cell shows.
    private let matrix = ConfusionMatrix(
        counts: (0..<7).map { row in
            (0..<7).map { column in
                row == column ? 100 + 10 * row : 7 * row + column
            }
        })

    @Test func isWellFormedSVG() throws {
        let svg = try SVGDocument(ConfusionHeatmap.svg(matrix, title: "FER2013 PublicTest"))
        #expect(svg.root == "svg")
        #expect(svg.texts.contains { $0.content == "FER2013 PublicTest" })
    }

    @Test func hasOneCellPerPairShowingItsCount() throws {
        let svg = try SVGDocument(ConfusionHeatmap.svg(matrix, title: "t"))
        // Cells are the rectangles with a position (the background has none).
        let cells = svg.rects.filter { $0.x != nil && $0.y != nil }
        try #require(cells.count == 49, "\(cells.count) cell rects")

        let columns = Set(cells.compactMap(\.x)).sorted(), rows = Set(cells.compactMap(\.y)).sorted()
        try #require(columns.count == 7 && rows.count == 7, "cells form a 7x7 grid")
        for cell in cells {
            let row = try #require(rows.firstIndex(of: cell.y!)), column = try #require(columns.firstIndex(of: cell.x!))
            // The count written inside this cell.
            let inside = svg.texts.filter { text in
                guard let x = text.x, let y = text.y, let width = cell.width, let height = cell.height else { return false }
                return x > cell.x! && x < cell.x! + width && y > cell.y! && y < cell.y! + height
            }
            #expect(
                inside.map(\.content) == ["\(matrix.counts[row][column])"],
                "cell (\(Emotion(index: row)!), \(Emotion(index: column)!))")
        }
    }

    @Test func labelsBothAxesInFEROrder() throws {
        let svg = try SVGDocument(ConfusionHeatmap.svg(matrix, title: "t"))
        let names = Emotion.allCases.map(\.rawValue)
        let labelTexts = svg.texts.filter { names.contains($0.content) }
        #expect(labelTexts.count == 14, "each label once per axis")
        // Column headings run left to right, row headings top to bottom, both in FER order.
        let headings = labelTexts.filter { text in labelTexts.filter { $0.y == text.y }.count == 7 }
        #expect(headings.sorted { $0.x! < $1.x! }.map(\.content) == names)
        let rowLabels = labelTexts.filter { text in !headings.contains { $0 === text } }
        #expect(rowLabels.sorted { $0.y! < $1.y! }.map(\.content) == names)
    }

    /// Darker cells for larger shares of a row, and a title with markup characters stays text.
    @Test func shadingFollowsRowShareAndTitleIsEscaped() throws {
        let title = "A <b>&</b> \"B\""
        let svg = try SVGDocument(ConfusionHeatmap.svg(matrix, title: title))
        #expect(svg.texts.contains { $0.content == title })
        let cells = svg.rects.filter { $0.x != nil && $0.y != nil }
        let columns = Set(cells.compactMap(\.x)).sorted(), rows = Set(cells.compactMap(\.y)).sorted()
        for row in 0..<7 {
            let rowCells = cells.filter { $0.y == rows[row] }.sorted { $0.x! < $1.x! }
            try #require(rowCells.count == 7 && columns.count == 7)
            // Red channel falls as the share rises: order by count, expect non-increasing red.
            let byCount = (0..<7).sorted { matrix.counts[row][$0] < matrix.counts[row][$1] }
            let reds = try byCount.map { try #require(rowCells[$0].red, "fill of row \(row)") }
            #expect(zip(reds, reds.dropFirst()).allSatisfy { $0 >= $1 }, "row \(row): \(reds)")
            #expect(reds.first! > reds.last!)
        }
    }
}

/// The parts of an SVG these tests look at, read with Foundation's XMLParser (which fails on
/// malformed XML).
private final class SVGDocument: NSObject, XMLParserDelegate {
    final class Text {
        let x: Double?, y: Double?
        var content = ""
        init(x: Double?, y: Double?) {
            self.x = x
            self.y = y
        }
    }

    struct Rect {
        let x: Double?, y: Double?, width: Double?, height: Double?
        let fill: String?

        /// The red component of an `rgb(r,g,b)` fill.
        var red: Int? {
            guard let fill, fill.hasPrefix("rgb("), fill.hasSuffix(")") else { return nil }
            return fill.dropFirst(4).dropLast().split(separator: ",").first.flatMap { Int($0) }
        }
    }

    private(set) var root: String?
    private(set) var rects: [Rect] = []
    private(set) var texts: [Text] = []
    private var openText: Text?

    init(_ svg: String) throws {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        guard parser.parse() else {
            throw SVGError(message: "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
    }

    struct SVGError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if root == nil { root = name }
        switch name {
        case "rect":
            rects.append(
                Rect(
                    x: attributes["x"].flatMap(Double.init), y: attributes["y"].flatMap(Double.init),
                    width: attributes["width"].flatMap(Double.init),
                    height: attributes["height"].flatMap(Double.init), fill: attributes["fill"]))
        case "text":
            openText = Text(x: attributes["x"].flatMap(Double.init), y: attributes["y"].flatMap(Double.init))
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        openText?.content += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text", let text = openText {
            texts.append(text)
            openText = nil
        }
    }
}
