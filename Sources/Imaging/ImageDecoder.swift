import Foundation

/// Decodes the image formats Moodwire reads (JPEG, PNG) to grayscale, choosing by content, not by
/// file name. JPEGs are turned upright by their EXIF orientation, as OpenCV's `imread` does.
/// Holds a TurboJPEG handle: one decoder per thread.
public final class ImageDecoder {
    public let maxPixels: Int
    private let jpeg: JPEGDecoder
    private let png: PNGDecoder

    public init(maxPixels: Int = 50_000_000) {
        self.maxPixels = maxPixels
        jpeg = JPEGDecoder(maxPixels: maxPixels)
        png = PNGDecoder(maxPixels: maxPixels)
    }

    /// The format by its signature bytes.
    static func format(of data: Data, source: String) throws(ImageError) -> ImageFormat {
        guard !data.isEmpty else { throw .empty(source: source) }
        guard let format = ImageFormat(prefix: data.prefix(ImageFormat.signatureLength)) else { throw .unsupportedFormat(source: source) }
        return format
    }

    public func decodeGray(_ data: Data, source: String, conversion: GrayConversion = .luma) throws(ImageError) -> GrayImage {
        switch try Self.format(of: data, source: source) {
        case .jpeg:
            let image = try jpeg.decodeGray(data, source: source, conversion: conversion)
            return ExifOrientation.read(jpeg: data).map(image.applyingOrientation) ?? image
        case .png:
            return try png.decodeGray(data, source: source)
        }
    }

    public func decodeGray(contentsOf path: String, conversion: GrayConversion = .luma) throws(ImageError) -> GrayImage {
        try decodeGray(try JPEGDecoder.readFile(path), source: path, conversion: conversion)
    }

    /// The image in colour, upright.
    public func decodeRGB(_ data: Data, source: String) throws(ImageError) -> RGBImage {
        switch try Self.format(of: data, source: source) {
        case .jpeg:
            let image = try jpeg.decodeRGB(data, source: source)
            return ExifOrientation.read(jpeg: data).map(image.applyingOrientation) ?? image
        case .png:
            return try png.decodeRGB(data, source: source)
        }
    }

    public func decodeRGB(contentsOf path: String) throws(ImageError) -> RGBImage {
        try decodeRGB(try JPEGDecoder.readFile(path), source: path)
    }
}
