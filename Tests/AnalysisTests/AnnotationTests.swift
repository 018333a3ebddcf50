import Foundation
import TestSupport
import Testing

@testable import Analysis
@testable import Imaging
@testable import Results

@Suite("Annotated output images")
struct AnnotationTests {
    static func face(_ box: PixelRect, _ emotion: Emotion) -> FaceResult {
        var probabilities = [Float](repeating: 0.01, count: 7)
        probabilities[emotion.index] = 0.94
        return FaceResult(face: DetectedFace(box: box), scores: EmotionScores(probabilities: probabilities))
    }

    @Test("Each face gets a box in its emotion's colour and a label above it; the rest is untouched")
    func drawing() {
        let image = RGBImage(width: 200, height: 150, pixels: [UInt8](repeating: 30, count: 200 * 150 * 3))
        let sad = PixelRect(x: 50, y: 60, width: 80, height: 70)
        let drawn = Annotation.draw([Self.face(sad, .sad)], on: image)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(drawn.pixels[((y * 200 + x) * 3)..<((y * 200 + x) * 3 + 3)]) }
        let blue: [UInt8] = [50, 110, 220]
        #expect(pixel(50, 100) == blue && pixel(129, 100) == blue && pixel(90, 129) == blue)
        #expect(pixel(90, 100) == [30, 30, 30])  // inside the box
        #expect(pixel(10, 10) == [30, 30, 30])  // far away
        // The label band sits above the box and holds white text.
        let band = (45..<60).flatMap { y in (50..<120).map { pixel($0, y) } }
        #expect(band.contains(blue) && band.contains([255, 255, 255]))
    }

    @Test("A face at the top edge gets its label inside the box")
    func labelAtTheTop() {
        let image = RGBImage(width: 120, height: 120, pixels: [UInt8](repeating: 0, count: 120 * 120 * 3))
        let drawn = Annotation.draw([Self.face(PixelRect(x: 10, y: 0, width: 60, height: 60), .angry)], on: image)
        #expect(drawn.width == 120 && drawn.height == 120)
        // Row 5 is inside the box: the label band covers it, so it is the band's red or the text's white.
        let row5 = (12..<60).map { Array(drawn.pixels[((5 * 120 + $0) * 3)..<((5 * 120 + $0) * 3 + 3)]) }
        #expect(row5.allSatisfy { $0 == [220, 40, 40] || $0 == [255, 255, 255] })
        #expect(row5.contains([255, 255, 255]))
    }

    @Test("Encoded annotations decode back to the same size and nearly the same colours")
    func jpegRoundTrip() throws {
        var image = RGBImage(width: 64, height: 48, pixels: [UInt8](repeating: 200, count: 64 * 48 * 3))
        image.fill(PixelRect(x: 16, y: 8, width: 32, height: 32), color: (20, 120, 240))
        let data = try JPEGEncoder().encode(image, quality: 95)
        let back = try JPEGDecoder().decodeRGB(data, source: "round trip")
        #expect(back.width == 64 && back.height == 48)
        // JPEG is lossy and 4:2:0 chroma smears colour edges; on average it stays close.
        let mean = Double(zip(back.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(image.pixels.count)
        #expect(mean < 4, "mean channel difference \(mean)")
        let centre = (24 * 64 + 32) * 3
        #expect(abs(Int(back.pixels[centre + 2]) - 240) <= 8 && abs(Int(back.pixels[centre]) - 20) <= 8)
    }
}
