import Foundation
import Imaging
import TestSupport
import Testing

@Suite struct BilinearResizeTests {
    /// Every resize of the OpenCV fixture, bit for bit: decode, crop when the entry has one, then
    /// resize, and compare with cv2.resize(..., INTER_LINEAR).
    @Test(.needsSharedData("fer2013/publictest", "faces")) func matchesOpenCVInterLinearBitForBit() throws {
        let fixture = try OpenCVImageFixture.load()
        try #require(!fixture.resizes.isEmpty, "the fixture lists no resizes")
        let decoder = JPEGDecoder()
        for entry in fixture.resizes {
            var name = entry.path
            if let crop = entry.crop { name += " crop (\(crop.x), \(crop.y), \(crop.w), \(crop.h))" }
            name += " -> \(entry.width)x\(entry.height)"

            let decoded: GrayImage
            do {
                decoded = try decoder.decodeGray(contentsOf: sharedDataPath(entry.path))
            } catch {
                Issue.record("\(name): \(error)")
                continue
            }
            var source = decoded
            if let crop = entry.crop {
                guard let cropped = decoded.cropped(to: PixelRect(x: crop.x, y: crop.y, width: crop.w, height: crop.h)) else {
                    Issue.record("\(name): crop is outside the \(decoded.width)x\(decoded.height) image")
                    continue
                }
                source = cropped
            }
            #expect(
                source.width == entry.sourceWidth && source.height == entry.sourceHeight,
                "\(name): source \(source.width)x\(source.height), OpenCV's \(entry.sourceWidth)x\(entry.sourceHeight)")

            guard let expected = Data(base64Encoded: entry.pixels).map(Array.init) else {
                Issue.record("\(name): pixels are not valid base64")
                continue
            }
            try #require(expected.count == entry.width * entry.height, "\(name): fixture pixel count")

            let resized = BilinearResize.resize(source, width: entry.width, height: entry.height)
            #expect(resized.width == entry.width && resized.height == entry.height, "\(name): output size")
            guard resized.pixels.count == expected.count else { continue }
            var differing = 0, largest = 0
            var first: (x: Int, y: Int, ours: UInt8, opencv: UInt8)?
            for i in expected.indices where resized.pixels[i] != expected[i] {
                differing += 1
                largest = max(largest, abs(Int(resized.pixels[i]) - Int(expected[i])))
                if first == nil { first = (i % entry.width, i / entry.width, resized.pixels[i], expected[i]) }
            }
            #expect(
                differing == 0,
                """
                \(name): \(differing) of \(expected.count) pixels differ from OpenCV (largest difference \(largest)\
                \(first.map { "; first at (\($0.x), \($0.y)): \($0.ours) vs \($0.opencv)" } ?? ""))
                """)
        }
    }

    @Test func sameSizeReturnsTheImage() {
        let image = GrayImage(width: 3, height: 2, pixels: [0, 50, 100, 150, 200, 250])
        #expect(BilinearResize.resize(image, width: 3, height: 2) == image)
    }

    /// Sizes and aspect ratios of every kind give an image of the requested size whose values stay
    /// within the source's range (bilinear interpolation never overshoots).
    @Test(arguments: [(1, 1), (2, 7), (48, 48), (64, 64), (5, 100), (100, 5), (13, 1)])
    func outputHasRequestedSizeAndStaysInRange(width: Int, height: Int) {
        let source = GrayImage(width: 9, height: 6, pixels: (0..<54).map { UInt8(40 + ($0 * 37) % 150) })
        let resized = BilinearResize.resize(source, width: width, height: height)
        #expect(resized.width == width && resized.height == height)
        #expect(resized.pixels.count == width * height)
        let low = source.pixels.min()!, high = source.pixels.max()!
        #expect(resized.pixels.allSatisfy { $0 >= low && $0 <= high })
    }
}
