import Foundation
import Hummingbird
import HummingbirdCore

/// The query parameters of the results and history API, validated: `source`, `since` and `until`
/// (Unix seconds or ISO 8601), `limit`, `offset` and `bucket` (seconds).
struct ResultsQuery {
    let filter: ResultsReader.Filter
    let limit: Int
    let offset: Int
    let bucketSeconds: Int

    init(_ parameters: FlatDictionary<Substring, Substring>, maxLimit: Int = 1000, defaultLimit: Int = 100) throws(APIError) {
        let known: Set<Substring> = ["source", "since", "until", "limit", "offset", "bucket"]
        if let unknown = parameters.map({ $0.key }).first(where: { !known.contains($0) }) {
            throw APIError(.badRequest, "unknown query parameter \"\(unknown)\"; known: source, since, until, limit, offset, bucket")
        }
        var source: String?
        if let value = parameters["source"] {
            guard !value.isEmpty, value.utf8.count <= 255 else { throw APIError(.badRequest, "source must be 1 to 255 bytes") }
            source = String(value)
        }
        let since = try Self.time(parameters["since"], name: "since")
        let until = try Self.time(parameters["until"], name: "until")
        if let since, let until, since > until { throw APIError(.badRequest, "since is after until") }
        filter = ResultsReader.Filter(source: source, since: since, until: until)
        limit = try Self.integer(parameters["limit"], name: "limit", range: 1...maxLimit) ?? defaultLimit
        offset = try Self.integer(parameters["offset"], name: "offset", range: 0...10_000_000) ?? 0
        bucketSeconds = try Self.integer(parameters["bucket"], name: "bucket", range: 1...86_400) ?? 60
    }

    private static func integer(_ value: Substring?, name: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let value else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw APIError(.badRequest, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// Unix seconds, or an ISO 8601 date-time such as 2026-11-24T22:00:00Z.
    private static func time(_ value: Substring?, name: String) throws(APIError) -> Double? {
        guard let value else { return nil }
        if let seconds = Double(value), seconds.isFinite { return seconds }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: String(value)) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: String(value)) { return date.timeIntervalSince1970 }
        throw APIError(.badRequest, "\(name) must be Unix seconds or an ISO 8601 time like 2026-11-24T22:00:00Z")
    }
}
