import Foundation
import TestSupport
import Testing

@testable import Observability
@testable import Web

@Suite("Upload decoding")
struct UploadDecoderTests {
    let decoder = UploadDecoder(maxPixels: 50_000_000)

    /// A real 2x2 PNG made with the project's fixtures' tool of choice: bytes written out here.
    static let png: [UInt8] = {
        let base64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAAAAABX3VL4AAAAEUlEQVR4nGNgYGD4z8DAwMAAAAwAAf8fKJM6AAAAAElFTkSuQmCC"
        return [UInt8](Data(base64Encoded: base64)!)
    }()

    @Test func rawImageBody() throws {
        let upload = try decoder.decode(body: Self.png, contentType: "image/png")
        #expect(upload.image == Self.png && upload.width == 2 && upload.height == 2)
    }

    @Test func jsonWithBase64OrDataURL() throws {
        let plain = Data(Self.png).base64EncodedString()
        for text in [
            plain, "data:image/png;base64," + plain, String(plain.prefix(20)) + "\n" + plain.dropFirst(20),
            plain.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        ] {
            let body = try JSONSerialization.data(withJSONObject: ["image": text])
            #expect(try decoder.decode(body: [UInt8](body), contentType: "application/json; charset=utf-8").image == Self.png)
        }
    }

    @Test func multipartFormData() throws {
        let boundary = "XyZ123"
        var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n".utf8)
        body += Self.png + Array("\r\n--\(boundary)--\r\n".utf8)
        let upload = try decoder.decode(body: body, contentType: "multipart/form-data; boundary=\(boundary)")
        #expect(upload.image == Self.png)
    }

    @Test func multipartChoosesTheFieldNamedImageElseTheFirstFile() throws {
        let boundary = "----form"
        func part(_ disposition: String, _ content: [UInt8]) -> [UInt8] {
            Array("--\(boundary)\r\nContent-Disposition: form-data; \(disposition)\r\n\r\n".utf8) + content + Array("\r\n".utf8)
        }
        let close = Array("--\(boundary)--\r\n".utf8)
        let contentType = "multipart/form-data; boundary=\"\(boundary)\""
        // A filename of "image" does not make a part the image field.
        let named = part("name=\"note\"; filename=\"image\"", Array("not this".utf8)) + part("name=\"image\"", Self.png) + close
        #expect(try decoder.decode(body: named, contentType: contentType).image == Self.png)
        let firstFile = part("name=\"note\"", Array("text".utf8)) + part("name=\"upload\"; filename=\"a.png\"", Self.png) + close
        #expect(try decoder.decode(body: firstFile, contentType: contentType).image == Self.png)
        let unclosed = part("name=\"image\"", Self.png)
        let error = #expect(throws: APIError.self) { try decoder.decode(body: unclosed, contentType: contentType) }
        #expect(error?.status == .badRequest)
        #expect(error?.message.contains("closing boundary") == true, "\(error?.message ?? "")")
    }

    /// Only the header is read: an image whose header reads is sent on, and the detector, decoding
    /// all of it, flags a corrupt one (`WebApplicationTests`).
    @Test func anImageIsPassedOnByItsHeaderWithoutDecoding() throws {
        let corrupt = [0xFF, 0xD8] + jpegSegment(0xC0, jpegFrameHeader(width: 64, height: 48)) + jpegStartOfScan + [0x12, 0x34]
        let upload = try decoder.decode(body: corrupt, contentType: "image/jpeg")
        #expect(upload.image == corrupt && upload.width == 64 && upload.height == 48)
    }

    @Test(arguments: [
        ([UInt8](), "image/png", 400),
        (Array("{\"image\": \"!!!\"}".utf8), "application/json", 400),
        (Array("{\"picture\": \"abc\"}".utf8), "application/json", 400),
        (Array("not json".utf8), "application/json", 400),
        (Array("{\"image\": \"data:image/png,abc\"}".utf8), "application/json", 400),
        (Array("hello".utf8), "image/jpeg", 415),
        (Array("hello".utf8), "text/plain", 415),
        ([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46], "image/jpeg", 422),
        (Array("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--".utf8), "multipart/form-data; boundary=b", 400)
    ])
    func badInputIsRefusedWithItsStatus(body: [UInt8], contentType: String, status: Int) {
        let error = #expect(throws: APIError.self) { try decoder.decode(body: body, contentType: contentType) }
        #expect(error?.status.code == status, "\(error?.message ?? "")")
    }

    @Test func imagesOverThePixelLimitAreRefused() {
        let small = UploadDecoder(maxPixels: 3)
        let error = #expect(throws: APIError.self) { try small.decode(body: Self.png, contentType: "image/png") }
        #expect(error?.status == .contentTooLarge)
    }
}

@Suite("Listen probe")
struct ListenProbeTests {
    @Test func aTakenPortIsReportedAndAFreeOneIsNot() throws {
        let taken = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(taken, pointer, length)
                listen(taken, 1)
                return getsockname(taken, pointer, &length)
            }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let whileTaken = ListenCheck.problem(host: "127.0.0.1", port: port, flag: "--web-port")
        close(taken)
        #expect(whileTaken?.contains("--web-port") == true)
        #expect(ListenCheck.problem(host: "127.0.0.1", port: port) == nil)
        #expect(ListenCheck.problem(host: "not-an-address", port: 8080) != nil)
    }
}
