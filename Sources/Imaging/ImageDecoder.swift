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

    enum Format { case jpeg, png }

    /// The format by its signature bytes.
    static func format(of data: Data, source: String) throws(ImageError) -> Format {
        guard !data.isEmpty else { throw .empty(source: source) }
        if data.count >= 3, data[data.startIndex] == 0xFF, data[data.startIndex + 1] == 0xD8 { return .jpeg }
        if data.count >= 8, Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        throw .unsupportedFormat(source: source)
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

    /// The image in colour, upright, for drawing on.
    public func decodeRGB(contentsOf path: String) throws(ImageError) -> RGBImage {
        let data = try JPEGDecoder.readFile(path)
        switch try Self.format(of: data, source: path) {
        case .jpeg:
            let image = try jpeg.decodeRGB(data, source: path)
            return ExifOrientation.read(jpeg: data).map(image.applyingOrientation) ?? image
        case .png:
            return try png.decodeRGB(data, source: path)
        }
    }
}
