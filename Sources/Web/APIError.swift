import Foundation
import Hummingbird

/// A request the API refuses or cannot answer: a status and a message that says what was wrong,
/// as `{"error": {"status": 400, "message": "..."}}`. Messages never carry paths or stack traces.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    /// An upload whose image cannot be decoded: its header does not read, or the detector flagged it.
    static let corruptImage = APIError(.unprocessableContent, "the image is corrupt or truncated")

    public var response: Response {
        let body = ["error": ["status": .init(status.code), "message": JSONValue.string(message)]] as [String: [String: JSONValue]]
        return Response.json(body, status: status)
    }
}

/// The few JSON shapes the API writes by hand.
enum JSONValue: Encodable, Sendable {
    case string(String)
    case number(Double)
    case integer(Int)
    case null

    init(_ integer: Int) { self = .integer(integer) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

extension Response {
    /// `value` as a JSON response.
    static func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return raw(data, contentType: "application/json", status: status)
    }

    static func raw(_ data: some Collection<UInt8>, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
