import Foundation
import Imaging

/// Turns an upload request's body into the image bytes it carries, in any of the accepted forms:
/// JSON `{"image": "<base64 or data: URL>"}` (what the page sends), multipart/form-data (a file
/// field named `image`, or the first file), or a raw `image/jpeg` / `image/png` body. The image is
/// decoded once here, so that bad input is refused with a clear 4xx before it reaches the pipeline.
struct UploadDecoder {
    let maxPixels: Int

    struct Upload {
        let image: [UInt8]
        let width: Int
        let height: Int
    }

    func decode(body: [UInt8], contentType: String?) throws(APIError) -> Upload {
        guard !body.isEmpty else { throw APIError(.badRequest, "the request body is empty; send an image") }
        let type = (contentType ?? "").lowercased()
        let image: [UInt8]
        if type.hasPrefix("application/json") {
            image = try Self.imageFromJSON(body)
        } else if type.hasPrefix("multipart/form-data") {
            image = try Self.imageFromMultipart(body, contentType: contentType ?? "")
        } else if type.hasPrefix("image/") || type.hasPrefix("application/octet-stream") || type.isEmpty {
            image = body
        } else {
            throw APIError(
                .unsupportedMediaType,
                "content type \(contentType ?? "") is not accepted; send JSON {\"image\": base64}, multipart/form-data or image/jpeg or image/png")
        }
        guard !image.isEmpty else { throw APIError(.badRequest, "the image is empty") }
        do {
            let decoded = try ImageDecoder(maxPixels: maxPixels).decodeGray(Data(image), source: "upload", conversion: .luma)
            return Upload(image: image, width: decoded.width, height: decoded.height)
        } catch {
            switch error {
            case .unsupportedFormat, .empty:
                throw APIError(.unsupportedMediaType, "the upload is not a JPEG or PNG image")
            case .corrupt:
                throw APIError(.unprocessableContent, "the image is corrupt or truncated")
            case .badDimensions(_, let width, let height, _) where width > 0 && height > 0:
                throw APIError(.contentTooLarge, "the image is \(width)x\(height) pixels, over the limit of \(maxPixels) pixels")
            case .badDimensions(_, let width, let height, _):
                throw APIError(.unprocessableContent, "the image has invalid dimensions \(width)x\(height)")
            case .unreadableFile:
                throw APIError(.unprocessableContent, "the image could not be read")
            }
        }
    }

    static func imageFromJSON(_ body: [UInt8]) throws(APIError) -> [UInt8] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw APIError(.badRequest, "the body is not a JSON object")
        }
        guard let text = object["image"] as? String else {
            throw APIError(.badRequest, "the JSON object has no \"image\" string (base64 or a data: URL)")
        }
        return try base64(text)
    }

    /// Base64 (standard or URL-safe, whitespace ignored), optionally inside a `data:` URL.
    static func base64(_ text: String) throws(APIError) -> [UInt8] {
        var payload = Substring(text)
        if payload.hasPrefix("data:") {
            guard let comma = payload.firstIndex(of: ","), payload[..<comma].hasSuffix(";base64") else {
                throw APIError(.badRequest, "the data: URL is not base64-encoded")
            }
            payload = payload[payload.index(after: comma)...]
        }
        var cleaned = String(payload.filter { !$0.isWhitespace })
        cleaned = cleaned.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if cleaned.count % 4 != 0 { cleaned += String(repeating: "=", count: 4 - cleaned.count % 4) }
        guard let data = Data(base64Encoded: cleaned) else { throw APIError(.badRequest, "the image is not valid base64") }
        return [UInt8](data)
    }

    /// The `image` field of a multipart/form-data body, or its first file.
    static func imageFromMultipart(_ body: [UInt8], contentType: String) throws(APIError) -> [UInt8] {
        guard let boundaryRange = contentType.range(of: "boundary=") else {
            throw APIError(.badRequest, "the multipart body has no boundary")
        }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let semicolon = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semicolon]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [(headers: String, content: ArraySlice<UInt8>)] = []
        var positions: [Int] = []
        var index = 0
        while let found = find(delimiter, in: body, from: index) {
            positions.append(found)
            index = found + delimiter.count
        }
        for (start, end) in zip(positions, positions.dropFirst()) {
            var partStart = start + delimiter.count
            if partStart + 1 < body.count, body[partStart] == 13, body[partStart + 1] == 10 { partStart += 2 }
            var partEnd = end
            if partEnd >= 2, body[partEnd - 2] == 13, body[partEnd - 1] == 10 { partEnd -= 2 }
            guard partStart <= partEnd, let split = find(Array("\r\n\r\n".utf8), in: body, from: partStart), split <= partEnd else { continue }
            parts.append((String(decoding: body[partStart..<split], as: UTF8.self), body[(split + 4)..<partEnd]))
        }
        let named = parts.first { $0.headers.lowercased().contains("name=\"image\"") }
        guard let part = named ?? parts.first(where: { $0.headers.lowercased().contains("filename=") }) else {
            throw APIError(.badRequest, "the multipart body has no \"image\" field or file")
        }
        return Array(part.content)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
