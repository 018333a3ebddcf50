import Foundation
import Hummingbird
import Logging
import Results

/// The web service's routes: the pages, the upload API that goes through the pipeline, the live
/// feed (Server-Sent Events), the read-only history and results API, the OpenAPI document and a
/// health check.
public enum WebApplication {
    public static func make(
        configuration: WebConfiguration, gateway: PipelineGateway,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        let router = Router()
        // Requests by route, method and status, and their durations, for /metrics.
        router.add(middleware: MetricsMiddleware())
        let assets = try Assets()
        let reader = ResultsReader(databasePath: configuration.databasePath)
        let uploads = UploadDecoder(maxPixels: configuration.maxPixels)

        for (path, asset) in [
            ("/", "index.html"), ("/live", "live.html"), ("/history", "history.html"),
            ("/app.css", "app.css"), ("/openapi.json", "openapi.json")
        ] {
            let page = try assets.file(asset)
            router.get(RouterPath(path)) { _, _ in Response.raw(page.bytes, contentType: page.contentType) }
        }
        router.get("/healthz") { _, _ in Response.json(["status": "ok"]) }

        router.post("/api/v1/analyze") { request, _ -> Response in
            do {
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: configuration.maxBodyBytes)
                } catch {
                    throw APIError(.contentTooLarge, "the body is over the limit of \(configuration.maxBodyBytes) bytes")
                }
                let upload = try uploads.decode(body: Array(buffer: body), contentType: request.headers[.contentType])
                let result = try await gateway.analyze(image: upload.image, width: upload.width, height: upload.height)
                // Only the header was read here; the detector, decoding the whole image, finds the rest.
                guard !result.undecodable else { throw APIError.corruptImage }
                let json = AnalysisReport.json(
                    image: "\(result.source)/\(result.seq)", width: result.width,
                    height: result.height, faces: result.faces)
                return Response.raw(Array(json.utf8), contentType: "application/json")
            } catch let error as APIError {
                return error.response
            } catch {
                logger.error("upload failed", metadata: ["error": "\(error)"])
                return APIError(.internalServerError, "the upload could not be analysed").response
            }
        }

        router.get("/api/v1/live") { request, _ -> Response in
            let source = request.uri.queryParameters["source"].map(String.init)
            let stream = gateway.results()
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: ": moodwire live results\n\n"))
                for await result in stream where source == nil || result.source == source {
                    let json = AnalysisReport.json(
                        image: "\(result.source)/\(result.seq)", width: result.width,
                        height: result.height, faces: result.faces)
                    let event =
                        "data: {\"source\":\(Self.quoted(result.source)),\"seq\":\(result.seq),"
                        + "\"captured_at\":\(Double(result.capturedAt) / 1e6),\"preview\":\(result.hasPreview),\"frame\":\(json)}\n\n"
                    try await writer.write(ByteBuffer(string: event))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
        }

        router.get("/api/v1/preview") { request, _ -> Response in
            guard let source = request.uri.queryParameters["source"], let seq = request.uri.queryParameters["seq"].flatMap({ UInt64($0) }) else {
                return APIError(.badRequest, "give source and seq").response
            }
            guard let image = gateway.preview(source: String(source), seq: seq) else {
                return APIError(.notFound, "no preview of that frame is held (only the last few per source are)").response
            }
            return Response.raw(image, contentType: image.first == 0x89 ? "image/png" : "image/jpeg")
        }

        router.get("/api/v1/sources") { _, _ -> Response in
            do {
                return Response.json(["sources": try reader.sources()])
            } catch let error as APIError {
                return error.response
            }
        }

        router.get("/api/v1/results") { request, _ -> Response in
            do {
                let query = try ResultsQuery(request.uri.queryParameters)
                let rows = try reader.faces(query.filter, limit: query.limit + 1, offset: query.offset)
                let page = Array(rows.prefix(query.limit))
                return Response.json(
                    ResultsPage(
                        results: page, limit: query.limit, offset: query.offset,
                        next_offset: rows.count > query.limit ? query.offset + query.limit : nil))
            } catch let error as APIError {
                return error.response
            }
        }

        router.get("/api/v1/results.csv") { request, _ -> Response in
            do {
                let query = try ResultsQuery(request.uri.queryParameters, maxLimit: 100_000, defaultLimit: 10_000)
                let rows = try reader.faces(query.filter, limit: query.limit, offset: query.offset)
                var response = Response.raw(Array(ResultsCSV.text(rows).utf8), contentType: "text/csv; charset=utf-8")
                response.headers[.contentDisposition] = "attachment; filename=\"moodwire-results.csv\""
                return response
            } catch let error as APIError {
                return error.response
            }
        }

        router.get("/api/v1/history") { request, _ -> Response in
            do {
                let query = try ResultsQuery(request.uri.queryParameters)
                return Response.json(
                    HistoryDocument(
                        bucket_seconds: query.bucketSeconds,
                        sources: try reader.history(query.filter, bucketSeconds: query.bucketSeconds)))
            } catch let error as APIError {
                return error.response
            }
        }

        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "moodwire"),
            logger: logger)
    }

    static func quoted(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    struct ResultsPage: Encodable {
        let results: [ResultsReader.FaceRow]
        let limit: Int
        let offset: Int
        /// null on the last page (written out, so clients can test for it).
        let next_offset: Int?

        enum CodingKeys: String, CodingKey { case results, limit, offset, next_offset }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(results, forKey: .results)
            try container.encode(limit, forKey: .limit)
            try container.encode(offset, forKey: .offset)
            try container.encode(next_offset, forKey: .next_offset)
        }
    }

    struct HistoryDocument: Encodable {
        let bucket_seconds: Int
        let sources: [ResultsReader.SourceHistory]
    }
}
