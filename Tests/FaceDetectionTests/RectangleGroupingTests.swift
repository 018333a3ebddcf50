import TestSupport
import Testing

@testable import FaceDetection
@testable import Imaging

@Suite("Grouping raw detections as OpenCV's groupRectangles")
struct RectangleGroupingTests {
    @Test("Similar rectangles merge into their rounded mean; groups need more than minNeighbors members")
    func averaging() {
        let cluster = [
            PixelRect(x: 100, y: 100, width: 50, height: 50), PixelRect(x: 103, y: 101, width: 52, height: 52),
            PixelRect(x: 98, y: 99, width: 49, height: 49)
        ]
        let lonely = PixelRect(x: 300, y: 300, width: 40, height: 40)
        #expect(RectangleGrouping.group(cluster + [lonely], threshold: 2) == [PixelRect(x: 100, y: 100, width: 50, height: 50)])
        #expect(RectangleGrouping.group(cluster + [lonely], threshold: 3).isEmpty)
        // minNeighbors 0 returns the raw detections unchanged, as OpenCV does.
        #expect(RectangleGrouping.group(cluster + [lonely], threshold: 0) == cluster + [lonely])
    }

    @Test("A weaker group inside a stronger one is dropped")
    func nested() {
        let big = Array(repeating: PixelRect(x: 0, y: 0, width: 100, height: 100), count: 6)
        let small = Array(repeating: PixelRect(x: 20, y: 20, width: 30, height: 30), count: 3)
        #expect(RectangleGrouping.group(big + small, threshold: 1) == [PixelRect(x: 0, y: 0, width: 100, height: 100)])
    }

    @Test("SimilarRects: every edge within eps times the mean of the smaller sides")
    func similarity() {
        let a = PixelRect(x: 0, y: 0, width: 100, height: 100)
        #expect(RectangleGrouping.similar(a, PixelRect(x: 20, y: 20, width: 100, height: 100), eps: 0.2))
        #expect(!RectangleGrouping.similar(a, PixelRect(x: 21, y: 0, width: 100, height: 100), eps: 0.2))
        #expect(RectangleGrouping.partition([a, PixelRect(x: 500, y: 0, width: 10, height: 10), a], eps: 0.2) == [0, 1, 0])
    }
}
