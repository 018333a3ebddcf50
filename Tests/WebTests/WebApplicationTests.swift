import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import Imaging
@testable import PipelineProtocol
@testable import ResultDatabase
@testable import Web

/// The routes on a database built here, with a gateway whose pipeline is not running.
@Suite("Web routes")
struct WebApplicationTests {
    static func database() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("moodwire-web-\(UUID().uuidString).db").path
        let store = try ResultStore(path: path, logger: Logger(label: "test"))
        var results: [ResultsMessage] = []
        for seq in 0..<5 {
            let header = FrameHeader(
                kind: .results, source: seq < 3 ? "cam, \"one\"" : "cam2", seq: UInt64(seq),
                capturedAt: Int64(1_764_000_000 + seq * 30) * 1_000_000, width: 640, height: 480)
            var probabilities = [Float](repeating: 0.05, count: 7)
            probabilities[seq % 7] = 0.7
            results.append(ResultsMessage(header: header, boxes: [PixelRect(x: seq, y: 2, width: 40, height: 40)], probabilities: probabilities))
        }
        try store.record(results, processedAt: 1_764_000_500_000_000)
        return path
    }

    func withApp(timeout: Duration = .seconds(10), _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let database = try Self.database()
        defer { try? FileManager.default.removeItem(atPath: database) }
        let configuration = WebConfiguration(
            databasePath: database, endpoints: PipelineEndpoints(basePort: Int.random(in: 30_000...40_000)),
            uploadTimeout: timeout)
        let gateway = PipelineGateway(configuration: configuration, logger: Logger(label: "test"))
        let service = gateway.service()
        let running = Task { try await service.run() }
        defer { running.cancel() }
        let app = try WebApplication.make(configuration: configuration, gateway: gateway, logger: Logger(label: "test"))
        try await app.test(.router, body)
    }

    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] ?? [:]
    }

    @Test func pagesHealthAndOpenAPIAreServed() async throws {
        try await withApp { client in
            for (path, type) in [("/", "text/html"), ("/live", "text/html"), ("/history", "text/html"), ("/app.css", "text/css")] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix(type) == true)
                    // Everything is served locally: no external script, stylesheet or font.
                    #expect(!String(buffer: response.body).contains("https://"))
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                let document = try json(response.body)
                #expect(document["openapi"] as? String == "3.0.3")
                let paths = document["paths"] as? [String: Any] ?? [:]
                #expect(Set(paths.keys).isSuperset(of: ["/api/v1/analyze", "/api/v1/results", "/api/v1/history", "/api/v1/live"]))
            }
        }
    }

    @Test func resultsArePagedAndFiltered() async throws {
        try await withApp { client in
            try await client.execute(uri: "/api/v1/results?limit=2", method: .get) { response in
                let page = try json(response.body)
                let rows = page["results"] as? [[String: Any]] ?? []
                #expect(rows.map { $0["seq"] as? Int } == [4, 3])
                #expect(page["next_offset"] as? Int == 2)
            }
            try await client.execute(uri: "/api/v1/results?limit=2&offset=4", method: .get) { response in
                let page = try json(response.body)
                #expect((page["results"] as? [Any])?.count == 1)
                #expect(page["next_offset"] is NSNull)
            }
            // The source is a bound parameter: quotes and commas are data, not SQL.
            try await client.execute(uri: "/api/v1/results?source=cam,%20%22one%22&since=1764000030&until=2025-11-24T16:01:01Z", method: .get) {
                response in
                let rows = try json(response.body)["results"] as? [[String: Any]] ?? []
                #expect(rows.map { $0["seq"] as? Int } == [2, 1])
            }
            try await client.execute(uri: "/api/v1/results?source=x%27%20OR%201=1%20--", method: .get) { response in
                let rows = try json(response.body)["results"] as? [Any]
                #expect(rows?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/results.csv?source=cam2", method: .get) { response in
                let lines = String(buffer: response.body).split(separator: "\r\n")
                #expect(lines.count == 3)
                #expect(lines[0].hasPrefix("source,seq,captured_at"))
            }
            try await client.execute(uri: "/api/v1/results.csv", method: .get) { response in
                #expect(String(buffer: response.body).contains("\"cam, \"\"one\"\"\""))
            }
            try await client.execute(uri: "/api/v1/history?bucket=60", method: .get) { response in
                let sources = try json(response.body)["sources"] as? [[String: Any]] ?? []
                #expect(sources.count == 2)
                let buckets = sources.first { $0["source"] as? String == "cam2" }?["buckets"] as? [[String: Any]] ?? []
                #expect(buckets.map { $0["faces"] as? Int } == [1, 1])
            }
            try await client.execute(uri: "/api/v1/sources", method: .get) { response in
                let sources = try json(response.body)["sources"] as? [[String: Any]] ?? []
                #expect(sources.map { $0["frames"] as? Int } == [3, 2])
            }
        }
    }

    @Test(arguments: [
        "limit=0", "limit=abc", "offset=-1", "since=yesterday", "since=10&until=5", "bucket=0", "colour=red",
        "source=" + String(repeating: "a", count: 300)
    ])
    func badQueryParametersAreRefused(query: String) async throws {
        try await withApp { client in
            try await client.execute(uri: "/api/v1/results?" + query, method: .get) { response in
                #expect(response.status == .badRequest, "\(query)")
                let error = try json(response.body)["error"] as? [String: Any]
                #expect(error?["message"] is String)
            }
        }
    }

    @Test func badUploadsAnswer4xxAndTheServerKeepsAnswering() async throws {
        try await withApp { client in
            let cases: [(String, ByteBuffer, HTTPResponse.Status)] = [
                ("application/json", ByteBuffer(string: "{\"image\": \"%%%\"}"), .badRequest),
                ("image/jpeg", ByteBuffer(string: "plain text"), .unsupportedMediaType),
                ("image/jpeg", ByteBuffer(), .badRequest),
                ("image/jpeg", ByteBuffer(bytes: [UInt8](repeating: 0, count: (10 << 20) + 1)), .contentTooLarge)
            ]
            for (type, body, status) in cases {
                try await client.execute(uri: "/api/v1/analyze", method: .post, headers: [.contentType: type], body: body) { response in
                    #expect(response.status == status)
                    let message = (try json(response.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                    #expect(!message.isEmpty && !message.contains("Sources/") && !message.contains(".swift"))
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { response in #expect(response.status == .ok) }
        }
    }

    @Test func anUploadAnswers504WhenThePipelineIsDown() async throws {
        try await withApp(timeout: .milliseconds(500)) { client in
            try await client.execute(
                uri: "/api/v1/analyze", method: .post, headers: [.contentType: "image/png"],
                body: ByteBuffer(bytes: UploadDecoderTests.png)
            ) { response in
                #expect(response.status == .gatewayTimeout)
                let message = (try json(response.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains("pipeline"))
            }
        }
    }
}
