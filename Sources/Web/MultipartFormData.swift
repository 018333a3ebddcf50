import Foundation

/// A multipart/form-data body (RFC 7578, on RFC 2046's multipart syntax) split into its parts.
/// Bytes in, parts out: no HTTP. The parser is strict (a body without its closing delimiter, a
/// part without `Content-Disposition: form-data; name=...` or a malformed header is refused) and
/// runs in time linear in the body: the delimiter search never looks at a byte twice.
struct MultipartFormData {
    /// One field of the form.
    struct Part: Equatable {
        /// The `name` parameter of the part's Content-Disposition.
        let name: String
        /// The `filename` parameter, present when the field is a file.
        let filename: String?
        /// The media type of the part's Content-Type (`type/subtype`, lowercased); nil without one.
        let contentType: String?
        let content: ArraySlice<UInt8>
    }

    /// Why a body, or the Content-Type that names its boundary, was refused.
    enum ParseError: Error, Equatable, CustomStringConvertible {
        case notFormData(mediaType: String)
        case missingBoundary
        case invalidBoundary(String)
        case malformedHeaderValue(String)
        case noOpeningDelimiter
        case missingCloseDelimiter
        case malformedDelimiterLine
        case malformedPartHeader(part: Int)
        case missingContentDisposition(part: Int)
        case repeatedContentDisposition(part: Int)
        case notFormDataDisposition(part: Int, disposition: String)
        case missingName(part: Int)

        var description: String {
            switch self {
            case .notFormData(let mediaType): "the media type is \(mediaType), not multipart/form-data"
            case .missingBoundary: "the Content-Type has no boundary parameter"
            case .invalidBoundary(let boundary): "the boundary \"\(boundary)\" is not 1 to 70 of the characters RFC 2046 allows"
            case .malformedHeaderValue(let value): "the header value \"\(value)\" is malformed"
            case .noOpeningDelimiter: "the body does not contain the boundary delimiter"
            case .missingCloseDelimiter: "the body ends without the closing boundary delimiter"
            case .malformedDelimiterLine: "a boundary delimiter line holds more than the boundary"
            case .malformedPartHeader(let part): "part \(part + 1) has a malformed header line"
            case .missingContentDisposition(let part): "part \(part + 1) has no Content-Disposition header"
            case .repeatedContentDisposition(let part): "part \(part + 1) has more than one Content-Disposition header"
            case .notFormDataDisposition(let part, let disposition): "part \(part + 1) has the disposition \(disposition), not form-data"
            case .missingName(let part): "part \(part + 1) has no name parameter"
            }
        }
    }

    let parts: [Part]

    /// The parts of `body`, whose boundary is named by `contentType` (the value of its
    /// Content-Type header).
    init(body: [UInt8], contentType: String) throws(ParseError) {
        try self.init(body: body, boundary: Self.boundary(contentType: contentType))
    }

    /// The parts of `body` delimited by `boundary`. The preamble before the first delimiter and the
    /// epilogue after the closing one are ignored, as RFC 2046 says.
    init(body: [UInt8], boundary: String) throws(ParseError) {
        let dashBoundary = Array("--\(boundary)".utf8)
        let delimiter = ByteSearch(pattern: [13, 10] + dashBoundary)
        var parts: [Part] = []
        // The first delimiter's CRLF belongs to it, so a body that starts with the delimiter has none.
        var position: Int
        if body.starts(with: dashBoundary) {
            position = dashBoundary.count
        } else if let found = delimiter.firstIndex(in: body, from: 0) {
            position = found + delimiter.pattern.count
        } else {
            throw .noOpeningDelimiter
        }
        // "--" after a delimiter makes it the closing one.
        while !body[position...].starts(with: [45, 45]) {
            position = Self.skipTransportPadding(body, from: position)
            guard position < body.count else { throw .missingCloseDelimiter }
            guard body[position...].starts(with: [13, 10]) else { throw .malformedDelimiterLine }
            let start = position + 2
            guard let end = delimiter.firstIndex(in: body, from: start) else { throw .missingCloseDelimiter }
            parts.append(try Self.part(body[start..<end], index: parts.count))
            position = end + delimiter.pattern.count
        }
        // The closing delimiter's line ends the body or its CRLF starts the epilogue.
        position = Self.skipTransportPadding(body, from: position + 2)
        guard position == body.count || body[position...].starts(with: [13, 10]) else { throw .malformedDelimiterLine }
        self.parts = parts
    }

    /// The boundary parameter of a multipart/form-data Content-Type, quoted or not.
    static func boundary(contentType: String) throws(ParseError) -> String {
        let value = try HeaderValue(contentType)
        guard value.value == "multipart/form-data" else { throw .notFormData(mediaType: value.value) }
        guard let boundary = value.parameters["boundary"] else { throw .missingBoundary }
        // RFC 2046 section 5.1.1: 1 to 70 of bchars, not ending with a space.
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ".utf8)
        guard (1...70).contains(boundary.utf8.count), boundary.utf8.allSatisfy(allowed.contains), boundary.last != " " else {
            throw .invalidBoundary(boundary)
        }
        return boundary
    }

    /// After a delimiter, RFC 2046 allows spaces and tabs before the line break.
    private static func skipTransportPadding(_ body: [UInt8], from start: Int) -> Int {
        var position = start
        while position < body.count, body[position] == 32 || body[position] == 9 { position += 1 }
        return position
    }

    /// One body part: header lines (a line starting with a space or tab continues the one before),
    /// an empty line, then the content.
    private static func part(_ bytes: ArraySlice<UInt8>, index: Int) throws(ParseError) -> Part {
        var headers: [(name: String, value: String)] = []
        var position = bytes.startIndex
        var contentStart = bytes.endIndex
        while position < bytes.endIndex {
            guard let lineEnd = lineBreak(in: bytes, from: position) else { throw .malformedPartHeader(part: index) }
            let line = bytes[position..<lineEnd]
            position = lineEnd + 2
            if line.isEmpty {
                contentStart = position
                break
            }
            // Header text is decoded leniently: a filename in another encoding must not sink the
            // upload, and no replacement character can make a name read as another.
            let text = String(decoding: line, as: UTF8.self)
            if line.first == 32 || line.first == 9 {
                guard !headers.isEmpty else { throw .malformedPartHeader(part: index) }
                headers[headers.count - 1].value += text
                continue
            }
            guard let colon = text.firstIndex(of: ":"), !text[..<colon].isEmpty, text[..<colon].utf8.allSatisfy(HeaderValue.isTokenByte) else {
                throw .malformedPartHeader(part: index)
            }
            headers.append((text[..<colon].lowercased(), String(text[text.index(after: colon)...])))
        }
        let dispositions = headers.filter { $0.name == "content-disposition" }
        guard let disposition = dispositions.first else { throw .missingContentDisposition(part: index) }
        guard dispositions.count == 1 else { throw .repeatedContentDisposition(part: index) }
        let parsed = try HeaderValue(disposition.value)
        guard parsed.value == "form-data" else { throw .notFormDataDisposition(part: index, disposition: parsed.value) }
        guard let name = parsed.parameters["name"] else { throw .missingName(part: index) }
        var contentType: String?
        if let header = headers.first(where: { $0.name == "content-type" }) { contentType = try HeaderValue(header.value).value }
        return Part(name: name, filename: parsed.parameters["filename"], contentType: contentType, content: bytes[contentStart...])
    }

    /// The index of the next CRLF in `bytes` at or after `start`.
    private static func lineBreak(in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        var position = start
        while position + 1 < bytes.endIndex {
            if bytes[position] == 13 && bytes[position + 1] == 10 { return position }
            position += 1
        }
        return nil
    }
}

/// A header value with parameters (RFC 9110 section 5.6.6), as Content-Type and
/// Content-Disposition have: `value *( OWS ";" OWS [ name "=" ( token / quoted-string ) ] )`.
/// The value and parameter names are lowercased (they are case-insensitive); parameter values
/// are kept as sent, with quoted-string escapes resolved.
struct HeaderValue {
    let value: String
    let parameters: [String: String]

    init(_ text: String) throws(MultipartFormData.ParseError) {
        var scanner = Scanner(bytes: Array(text.utf8))
        let malformed = MultipartFormData.ParseError.malformedHeaderValue(text)
        scanner.skipWhitespace()
        // A media type is a token, "/" and a token; a disposition type is one token.
        var value = scanner.token()
        if scanner.take(UInt8(ascii: "/")) {
            let subtype = scanner.token()
            guard !subtype.isEmpty else { throw malformed }
            value += "/" + subtype
        }
        guard !value.isEmpty else { throw malformed }
        var parameters: [String: String] = [:]
        while true {
            scanner.skipWhitespace()
            if scanner.isAtEnd { break }
            guard scanner.take(UInt8(ascii: ";")) else { throw malformed }
            scanner.skipWhitespace()
            if scanner.isAtEnd || scanner.peek == UInt8(ascii: ";") { continue }  // an empty parameter is allowed
            let name = scanner.token().lowercased()
            guard !name.isEmpty, scanner.take(UInt8(ascii: "=")) else { throw malformed }
            let parameter: String
            if scanner.peek == UInt8(ascii: "\"") {
                parameter = try scanner.quotedString(orThrow: malformed)
            } else {
                parameter = scanner.token()
                guard !parameter.isEmpty else { throw malformed }
            }
            guard parameters.updateValue(parameter, forKey: name) == nil else { throw malformed }
        }
        self.value = value.lowercased()
        self.parameters = parameters
    }

    /// RFC 9110's tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        var isAtEnd: Bool { position == bytes.count }
        var peek: UInt8? { isAtEnd ? nil : bytes[position] }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            position += 1
            return true
        }

        mutating func skipWhitespace() {
            while peek == 32 || peek == 9 { position += 1 }
        }

        /// The longest run of token bytes here, possibly empty.
        mutating func token() -> String {
            let start = position
            while let byte = peek, HeaderValue.isTokenByte(byte) { position += 1 }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }

        /// A quoted string here, without its quotes and with each backslash escape resolved.
        mutating func quotedString(orThrow error: MultipartFormData.ParseError) throws(MultipartFormData.ParseError) -> String {
            position += 1  // the opening quote
            var text: [UInt8] = []
            while let byte = peek {
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: text, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek, escaped != 13, escaped != 10 else { throw error }
                    text.append(escaped)
                    position += 1
                case 13, 10, 0:
                    throw error
                default:
                    text.append(byte)
                }
            }
            throw error  // no closing quote
        }
    }
}

/// Knuth-Morris-Pratt search for one pattern: each byte of the text is looked at once, so a body
/// is split in time linear in its size, whatever it holds. While no prefix of the pattern is
/// matched, memchr skips to the next occurrence of the pattern's first byte.
struct ByteSearch {
    let pattern: [UInt8]
    /// For each prefix length, the length of its longest proper prefix that is also its suffix.
    private let fallback: [Int]

    init(pattern: [UInt8]) {
        precondition(!pattern.isEmpty, "an empty pattern matches everywhere")
        self.pattern = pattern
        var fallback = [Int](repeating: 0, count: pattern.count + 1)
        var matched = 0
        for index in 1..<pattern.count {
            while matched > 0 && pattern[index] != pattern[matched] { matched = fallback[matched] }
            if pattern[index] == pattern[matched] { matched += 1 }
            fallback[index + 1] = matched
        }
        self.fallback = fallback
    }

    /// The start of the first occurrence of the pattern in `text` at or after `start`.
    func firstIndex(in text: [UInt8], from start: Int) -> Int? {
        text.withUnsafeBufferPointer { text in
            pattern.withUnsafeBufferPointer { pattern in
                var matched = 0
                var index = start
                while index < text.count {
                    if matched == 0 {
                        let base = UnsafeRawPointer(text.baseAddress!)
                        guard let found = memchr(base + index, Int32(pattern[0]), text.count - index) else { return nil }
                        index = base.distance(to: UnsafeRawPointer(found))
                    }
                    let byte = text[index]
                    while matched > 0 && byte != pattern[matched] { matched = fallback[matched] }
                    if byte == pattern[matched] { matched += 1 }
                    index += 1
                    if matched == pattern.count { return index - matched }
                }
                return nil
            }
        }
    }
}
