import TestSupport
import Testing

@testable import FaceDetection
@testable import Imaging

@Suite("fer's face crop")
struct FaceCropTests {
    /// An image whose pixel (x, y) is (x + 3y) mod 256, so every crop position is recognisable.
    static func ramp(width: Int, height: Int) -> GrayImage {
        GrayImage(width: width, height: height, pixels: (0..<(width * height)).map { UInt8(($0 % width + 3 * ($0 / width)) % 256) })
    }

    @Test("A box is squared around its centre, widened by 10 and shifted into the 40-pixel padding")
    func region() throws {
        // Taller than wide: x moves back by half the difference (rounded down), width grows.
        let tall = try #require(FaceCrop.region(for: PixelRect(x: 100, y: 50, width: 40, height: 45), imageWidth: 640, imageHeight: 480))
        #expect(tall == (x1: 100 - 2 - 10 + 40, y1: 50 - 10 + 40, x2: 98 + 45 + 10 + 40, y2: 50 + 45 + 10 + 40))
        // Wider than tall: y moves instead.
        let wide = try #require(FaceCrop.region(for: PixelRect(x: 10, y: 20, width: 31, height: 20), imageWidth: 640, imageHeight: 480))
        #expect(wide == (x1: 40, y1: 20 - 5 - 10 + 40, x2: 10 + 31 + 50, y2: 15 + 31 + 50))
        // Beyond the padding the crop is cut: at the top-left corner and the bottom-right one.
        let corner = try #require(FaceCrop.region(for: PixelRect(x: -60, y: -60, width: 30, height: 30), imageWidth: 100, imageHeight: 100))
        #expect(corner.x1 == 0 && corner.y1 == 0)
        let far = try #require(FaceCrop.region(for: PixelRect(x: 90, y: 90, width: 60, height: 60), imageWidth: 100, imageHeight: 100))
        #expect(far.x2 == 180 && far.y2 == 180)
        #expect(FaceCrop.region(for: PixelRect(x: 500, y: 0, width: 10, height: 10), imageWidth: 100, imageHeight: 100) == nil)
    }

    @Test("Crop pixels come from the image inside it and are the pad grey outside")
    func pixels() throws {
        let image = Self.ramp(width: 50, height: 40)
        let crop = try #require(FaceCrop.crop(image, box: PixelRect(x: 5, y: 5, width: 20, height: 20), padValue: 77))
        #expect(crop.width == 40 && crop.height == 40)  // 20 + 2 * 10
        // Crop origin is image (-5, -5): outside for the first five rows and columns.
        #expect(crop[0, 0] == 77 && crop[4, 10] == 77 && crop[10, 4] == 77)
        #expect(crop[5, 5] == image[0, 0])
        #expect(crop[12, 9] == image[7, 4])
    }

    @Test("The pad grey is the rounded mean of the last two rows")
    func padValue() {
        var pixels = [UInt8](repeating: 200, count: 4 * 3)
        pixels[4..<12] = [10, 11, 10, 11, 10, 10, 10, 10]  // last two rows: mean 10.25
        #expect(FaceCrop.padValue(of: GrayImage(width: 4, height: 3, pixels: pixels)) == 10)
        pixels[4..<12] = [10, 11, 11, 11, 10, 11, 11, 11]  // mean 10.75
        #expect(FaceCrop.padValue(of: GrayImage(width: 4, height: 3, pixels: pixels)) == 11)
        pixels[4..<12] = [10, 11, 10, 11, 10, 11, 10, 11]  // mean 10.5: ties go to even, as OpenCV's cvRound
        #expect(FaceCrop.padValue(of: GrayImage(width: 4, height: 3, pixels: pixels)) == 10)
    }
}
