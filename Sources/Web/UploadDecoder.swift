import Foundation
import Imaging
import PipelineProtocol

/// Turns an upload request's body into the image bytes it carries, in any of the accepted forms:
/// JSON `{"image": "<base64 or data: URL>"}` (what the page sends), multipart/form-data (the field
/// named `image`, or the first file), or a raw `image/jpeg` / `image/png` body. Only the image's
/// header is read here, so that a body that is not an image, or one too large, is refused with a
/// clear 4xx before it reaches the pipeline; the detector decodes the image once, and a frame it
/// cannot decode comes back flagged (`APIError.corruptImage`).
struct UploadDecoder {
    /// Uploads are frames of the pipeline, so they are held to its limits as well as the service's.
    let limits: ImageHeader.Limits

    init(maxPixels: Int) {
        limits = ImageHeader.Limits(maxSide: WireProtocol.maxSide, maxPixels: min(maxPixels, WireProtocol.maxPixels))
    }

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
            let header = try ImageHeader.read(image, within: limits)
            return Upload(image: image, width: header.width, height: header.height)
        } catch {
            switch error {
            case .unsupportedFormat:
                throw APIError(.unsupportedMediaType, "the upload is not a JPEG or PNG image")
            case .malformed:
                throw APIError.corruptImage
            case .emptySize(let width, let height):
                throw APIError(.unprocessableContent, "the image has invalid dimensions \(width)x\(height)")
            case .overLimits(let width, let height, let limits):
                throw APIError(
                    .contentTooLarge,
                    "the image is \(width)x\(height) pixels, over the limit of \(limits.maxSide) pixels a side and \(limits.maxPixels) pixels")
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

    /// The part of a multipart/form-data body named exactly `image`, or else its first file.
    static func imageFromMultipart(_ body: [UInt8], contentType: String) throws(APIError) -> [UInt8] {
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: body, contentType: contentType)
        } catch {
            throw APIError(.badRequest, "the multipart body is malformed: \(error)")
        }
        guard let part = form.parts.first(where: { $0.name == "image" }) ?? form.parts.first(where: { $0.filename != nil }) else {
            throw APIError(.badRequest, "the multipart body has no \"image\" field or file")
        }
        return Array(part.content)
    }
}
