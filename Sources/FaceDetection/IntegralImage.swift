import Imaging

/// Summed-area tables of an 8-bit image: `sums[(y * (width + 1)) + x]` is the sum of all pixels
/// above and left of (x, y), and `squares` the same for squared pixels, with a zero first row and
/// column. Squared sums wrap in 32 bits as OpenCV's do; window sums taken as differences are exact
/// as long as the window holds fewer than 66,000 pixels.
struct IntegralImage {
    let width: Int
    let height: Int
    /// Row stride of both tables: width + 1.
    let stride: Int
    private(set) var sums: [Int32]
    private(set) var squares: [UInt32]

    init(_ image: GrayImage) {
        let stride = image.width + 1
        width = image.width
        height = image.height
        self.stride = stride
        var sums = [Int32](repeating: 0, count: stride * (height + 1))
        var squares = [UInt32](repeating: 0, count: stride * (height + 1))
        image.pixels.withUnsafeBufferPointer { pixels in
            sums.withUnsafeMutableBufferPointer { sum in
                squares.withUnsafeMutableBufferPointer { square in
                    for y in 0..<image.height {
                        var rowSum: Int32 = 0
                        var rowSquare: UInt32 = 0
                        let above = y * stride, here = (y + 1) * stride
                        for x in 0..<image.width {
                            let value = Int32(pixels[y * image.width + x])
                            rowSum &+= value
                            rowSquare &+= UInt32(value * value)
                            sum[here + x + 1] = sum[above + x + 1] &+ rowSum
                            square[here + x + 1] = square[above + x + 1] &+ rowSquare
                        }
                    }
                }
            }
        }
        self.sums = sums
        self.squares = squares
    }
}
