import Imaging

/// The face crop the fer package feeds its classifier for a detected box, so that the same box
/// gives the same pixels: the box is made square around its centre (the short side grows, the
/// origin moves back by half the difference, rounded down), widened by 10 pixels on every side,
/// and cut from the image padded by 40 pixels of a constant grey (the mean of the image's last
/// two rows, rounded). Parts beyond the padding are cut off.
public enum FaceCrop {
    /// fer's `PADDING`.
    public static let padding = 40
    /// fer's default `offsets`.
    public static let offset = 10

    /// The padding grey: the mean of the bottom two rows, rounded half to even (OpenCV's
    /// saturate_cast of `cv2.mean`).
    public static func padValue(of image: GrayImage) -> UInt8 {
        let rows = min(2, image.height)
        var total = 0
        for y in (image.height - rows)..<image.height {
            for x in 0..<image.width { total += Int(image[x, y]) }
        }
        let mean = Double(total) / Double(rows * image.width)
        return UInt8(clamping: Int(mean.rounded(.toNearestOrEven)))
    }

    /// The crop's rectangle in the padded image's coordinates (x1, y1, x2, y2), or nil when it
    /// is empty.
    public static func region(for box: PixelRect, imageWidth: Int, imageHeight: Int) -> (x1: Int, y1: Int, x2: Int, y2: Int)? {
        var (x, y, width, height) = (box.x, box.y, box.width, box.height)
        if height > width {
            let difference = height - width
            x -= difference / 2
            width += difference
        } else if width > height {
            let difference = width - height
            y -= difference / 2
            height += difference
        }
        let x1 = max(0, x - offset + padding), y1 = max(0, y - offset + padding)
        let x2 = min(imageWidth + 2 * padding, x + width + offset + padding)
        let y2 = min(imageHeight + 2 * padding, y + height + offset + padding)
        return x2 > x1 && y2 > y1 ? (x1, y1, x2, y2) : nil
    }

    /// The crop for `box`, at its natural size (the classifier resizes it).
    public static func crop(_ image: GrayImage, box: PixelRect, padValue: UInt8) -> GrayImage? {
        guard let r = region(for: box, imageWidth: image.width, imageHeight: image.height) else { return nil }
        let width = r.x2 - r.x1, height = r.y2 - r.y1
        var pixels = [UInt8](repeating: padValue, count: width * height)
        for row in 0..<height {
            let y = r.y1 + row - padding
            guard y >= 0 && y < image.height else { continue }
            for column in 0..<width {
                let x = r.x1 + column - padding
                if x >= 0 && x < image.width { pixels[row * width + column] = image[x, y] }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }
}
