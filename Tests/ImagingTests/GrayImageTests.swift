import Imaging
import TestSupport
import Testing

@Suite struct GrayImageTests {
    /// A width x height image whose pixel at (x, y) is 10 * y + x (distinct for width <= 10).
    private func numbered(width: Int, height: Int) -> GrayImage {
        GrayImage(
            width: width, height: height,
            pixels: (0..<(width * height)).map { UInt8(10 * ($0 / width) + $0 % width) })
    }

    @Test func subscriptReadsRowMajor() {
        let image = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image[0, 0] == 1 && image[2, 0] == 3 && image[0, 1] == 4 && image[2, 1] == 6)
    }

    @Test func flipMirrorsEachRow() {
        let image = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.flippedHorizontally() == GrayImage(width: 3, height: 2, pixels: [3, 2, 1, 6, 5, 4]))
    }

    @Test(arguments: [(1, 1), (1, 4), (4, 1), (7, 5), (10, 10)])
    func flipTwiceIsIdentity(width: Int, height: Int) {
        let image = numbered(width: width, height: height)
        let flipped = image.flippedHorizontally()
        #expect(flipped.flippedHorizontally() == image)
        for y in 0..<height {
            for x in 0..<width {
                #expect(flipped[x, y] == image[width - 1 - x, y])
            }
        }
        if width > 1 { #expect(flipped != image) }
    }

    @Test func cropInsideCopiesTheRegion() throws {
        let image = numbered(width: 6, height: 5)
        let crop = try #require(image.cropped(to: PixelRect(x: 1, y: 2, width: 3, height: 2)))
        #expect(crop == GrayImage(width: 3, height: 2, pixels: [21, 22, 23, 31, 32, 33]))
    }

    @Test func cropOfWholeImageIsTheImage() {
        let image = numbered(width: 6, height: 5)
        #expect(image.cropped(to: PixelRect(x: 0, y: 0, width: 6, height: 5)) == image)
        #expect(image.cropped(to: PixelRect(x: -3, y: -3, width: 20, height: 20)) == image)
    }

    /// Rectangles that stick out are clipped to the image on each side.
    @Test(arguments: [
        (PixelRect(x: -2, y: -1, width: 4, height: 3), PixelRect(x: 0, y: 0, width: 2, height: 2)),
        (PixelRect(x: 4, y: 3, width: 5, height: 5), PixelRect(x: 4, y: 3, width: 2, height: 2)),
        (PixelRect(x: -1, y: 1, width: 100, height: 1), PixelRect(x: 0, y: 1, width: 6, height: 1)),
        (PixelRect(x: 5, y: -10, width: 1, height: 12), PixelRect(x: 5, y: 0, width: 1, height: 2))
    ])
    func cropClipsAtBorders(rect: PixelRect, visible: PixelRect) throws {
        let image = numbered(width: 6, height: 5)
        let crop = try #require(image.cropped(to: rect))
        #expect(crop.width == visible.width && crop.height == visible.height)
        for y in 0..<crop.height {
            for x in 0..<crop.width {
                #expect(crop[x, y] == image[visible.x + x, visible.y + y])
            }
        }
    }

    @Test(arguments: [
        PixelRect(x: 6, y: 0, width: 3, height: 3),  // right of the image
        PixelRect(x: 0, y: 5, width: 3, height: 3),  // below
        PixelRect(x: -4, y: 0, width: 4, height: 3),  // ends exactly at the left edge
        PixelRect(x: 0, y: -3, width: 3, height: 3),  // ends exactly at the top edge
        PixelRect(x: 100, y: 100, width: 10, height: 10),
        PixelRect(x: 1, y: 1, width: 0, height: 2),  // empty
        PixelRect(x: 1, y: 1, width: 2, height: -1)  // negative size
    ])
    func cropOutsideIsNil(rect: PixelRect) {
        #expect(numbered(width: 6, height: 5).cropped(to: rect) == nil)
    }
}
