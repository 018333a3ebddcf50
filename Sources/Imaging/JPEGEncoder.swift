import CTurboJPEG
import Foundation

/// Encodes RGB images as JPEG with libturbojpeg. One encoder owns one TurboJPEG handle: one per thread.
public final class JPEGEncoder {
    private let handle: tjhandle

    public init() {
        guard let handle = tjInitCompress() else {
            fatalError("libturbojpeg could not allocate a compressor")
        }
        self.handle = handle
    }

    deinit {
        tjDestroy(handle)
    }

    /// JPEG bytes of `image` at `quality` (1...100), 4:2:0 chroma.
    public func encode(_ image: RGBImage, quality: Int = 90) throws(ImageError) -> Data {
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(
                handle, pixels.baseAddress, Int32(image.width), Int32(image.width * 3), Int32(image.height),
                Int32(TJPF_RGB.rawValue), &buffer, &size, Int32(TJSAMP_420.rawValue), Int32(max(1, min(100, quality))),
                TJFLAG_ACCURATEDCT)
        }
        defer { tjFree(buffer) }
        guard status == 0, let buffer else {
            throw .corrupt(source: "JPEG encoder", reason: String(cString: tjGetErrorStr2(handle)), code: tjGetErrorCode(handle))
        }
        return Data(bytes: buffer, count: Int(size))
    }
}
