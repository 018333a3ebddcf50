import Evaluation
import Imaging
import TestSupport
import Testing

@Suite("Detection quality against annotations")
struct DetectionQualityTests {
    @Test("Greedy one-to-one matching at IoU >= 0.4, ignored faces neither counted nor penalised")
    func matching() {
        let a = PixelRect(x: 0, y: 0, width: 10, height: 10)
        let b = PixelRect(x: 100, y: 0, width: 10, height: 10)
        let ignored = PixelRect(x: 200, y: 0, width: 10, height: 10)
        var quality = DetectionQuality()
        quality.add(
            detections: [
                PixelRect(x: 1, y: 0, width: 10, height: 10),  // hits a (IoU 0.82)
                PixelRect(x: 0, y: 1, width: 10, height: 10),  // second on a: a false alarm
                PixelRect(x: 205, y: 0, width: 10, height: 10),  // on the ignored face (IoU 0.33: no match) -> false alarm
                PixelRect(x: 201, y: 0, width: 10, height: 10),  // on the ignored face: no penalty
                PixelRect(x: 500, y: 500, width: 10, height: 10)
            ],
            annotations: [(a, false), (b, false), (ignored, true)])
        #expect(quality.faces == 2)
        #expect(quality.found == 1)
        #expect(quality.falseAlarms == 3)
        #expect(quality.recall == 0.5)
        #expect(quality.precision == 0.25)
        #expect(abs(DetectionQuality.intersectionOverUnion(a, PixelRect(x: 5, y: 0, width: 10, height: 10)) - 50.0 / 150.0) < 1e-12)
    }
}
