import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Messaging
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
            results.append(
                ResultsMessage(
                    header: header, faces: [DetectedFace(box: PixelRect(x: seq, y: 2, width: 40, height: 40))], probabilities: probabilities))
        }
        try store.record(results, processedAt: 1_764_000_500_000_000)
        return path
    }

    func withApp(
        timeout: Duration = .seconds(10), endpoints: PipelineEndpoints = PipelineEndpoints(basePort: Int.random(in: 30_000...40_000)),
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let database = try Self.database()
        defer { try? FileManager.default.removeItem(atPath: database) }
        let configuration = WebConfiguration(databasePath: database, endpoints: endpoints, uploadTimeout: timeout)
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

    /// The pipeline's answer to a frame whose image the detector could not decode (the upload's
    /// header read well) is a 422, not an empty list of faces.
    @Test func anUploadTheDetectorCannotDecodeAnswers422() async throws {
        let endpoints = PipelineEndpoints(basePort: Int.random(in: 30_000...40_000))
        let pipeline = Task { try await Self.undecodingPipeline(endpoints).run() }
        defer { pipeline.cancel() }
        let corrupt = [0xFF, 0xD8] + jpegSegment(0xC0, jpegFrameHeader(width: 64, height: 48)) + jpegStartOfScan + [0x12, 0x34]
        try await withApp(endpoints: endpoints) { client in
            try await client.execute(
                uri: "/api/v1/analyze", method: .post, headers: [.contentType: "image/jpeg"], body: ByteBuffer(bytes: corrupt)
            ) { response in
                #expect(response.status == .unprocessableContent)
                let message = (try json(response.body)["error"] as? [String: Any])?["message"] as? String
                #expect(message == "the image is corrupt or truncated")
            }
        }
    }

    /// A stand-in for the detector, classifier and recorder: every frame comes back acknowledged
    /// with no faces and the detector's `undecodable` flag. The acknowledgements are published
    /// again and again, because a subscriber misses what is published before it has joined.
    static func undecodingPipeline(_ endpoints: PipelineEndpoints) -> BlockingService {
        BlockingService(name: "stand-in pipeline") { stop in
            let context = ZMQContext()
            let frames = try ZMQSocket(context, .pull, lingerMilliseconds: 0)
            try frames.bind(endpoints.bind(.framesIn))
            let acks = try ZMQSocket(context, .publish, lingerMilliseconds: 0)
            try acks.bind(endpoints.bind(.acks))
            var answers: [[[UInt8]]] = []
            while !stop.isRequested {
                if let parts = try frames.receive(timeoutMilliseconds: 50) {
                    var header = try FrameMessage(parts: parts).header
                    header.flags.insert(.undecodable)
                    answers.append(AckMessage(results: ResultsMessage(header: header, faces: [], probabilities: [])).parts)
                }
                for answer in answers { _ = try acks.send(answer, timeoutMilliseconds: 0) }
            }
        }
    }
}
