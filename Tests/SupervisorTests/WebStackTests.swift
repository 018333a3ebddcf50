import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The web service inside a running stack: uploads in every accepted form go through the real
/// detector and classifier processes and come back with `moodwire analyze`'s answers; a real
/// browser (headless Chromium) uses the upload and live pages.
@Suite(
    "Web in the stack", .serialized,
    .enabled(if: StackTestSupport.ready || StackTestSupport.inCI, StackTestSupport.skipMessage))
struct WebStackTests {
    static var browserReady: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    }
    static let screenshots = FileManager.default.temporaryDirectory.appendingPathComponent("moodwire-screenshots").path
    static let browserScript = StackTestSupport.repositoryRoot.path + "/Tests/SupervisorTests/Browser/check_pages.py"

    /// Runs `body` against a stack with the web service, then stops it with SIGINT.
    func withStack(sources: [String] = [], loop: Bool = false, _ body: (_ url: String, _ directory: String, _ database: String) throws -> Void) throws
    {
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/results.db"
        let port = StackTestSupport.basePort()
        let (up, _, errors) = try StackTestSupport.start(
            "moodwire",
            [
                "up", "--db", database, "--base-port", "\(port)",
                "--web-port", "\(port + 8)", "--keep-running"
            ] + sources.flatMap { ["--source", $0] } + (loop ? ["--loop"] : []),
            in: directory)
        defer {
            if up.isRunning {
                kill(up.processIdentifier, SIGINT)
                try? StackTestSupport.wait(for: up, timeout: .seconds(60))
            }
        }
        let url = "http://127.0.0.1:\(port + 8)"
        try waitForHealth(url, process: up, errors: errors)
        try body(url, directory, database)
    }

    func waitForHealth(_ url: String, process: Process, errors: String) throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if let (_, status) = try? request(url + "/healthz"), status == 200 { return }
            guard process.isRunning else {
                throw StackTestError("moodwire up ended: \((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw StackTestError("the web service did not come up")
    }

    /// A blocking HTTP request; the body and the status.
    func request(_ url: String, method: String = "GET", contentType: String? = nil, body: Data? = nil) throws -> (Data, Int) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Data, Int)?
        nonisolated(unsafe) var failure: (any Error)?
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error } else { result = (data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0) }
            done.signal()
        }.resume()
        done.wait()
        if let failure { throw failure }
        return result!
    }

    @Test func uploadsInEveryFormGetAnalyzesAnswersAndAreRecorded() throws {
        let photo = StackTestSupport.facePhotos[4]
        try withStack { url, directory, database in
            let expected = try StackTestSupport.analyze([photo], in: directory).values.first ?? []
            #expect(expected.count >= 2)
            let jpeg = try Data(contentsOf: URL(fileURLWithPath: photo))
            let png = directory + "/photo.png"
            _ = try StackTestSupport.run("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", photo, png], in: directory)
            let pngData = try Data(contentsOf: URL(fileURLWithPath: png))
            let boundary = "moodwire-test-boundary"
            var multipart = Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            multipart += jpeg + Data("\r\n--\(boundary)--\r\n".utf8)
            let forms: [(String, String, Data)] = [
                ("JSON base64", "application/json", try JSONSerialization.data(withJSONObject: ["image": jpeg.base64EncodedString()])),
                (
                    "JSON data URL", "application/json",
                    try JSONSerialization.data(withJSONObject: ["image": "data:image/jpeg;base64," + jpeg.base64EncodedString()])
                ),
                ("multipart", "multipart/form-data; boundary=\(boundary)", multipart),
                ("raw JPEG", "image/jpeg", jpeg),
                ("raw PNG", "image/png", pngData)
            ]
            for (form, type, body) in forms {
                let (data, status) = try request(url + "/api/v1/analyze", method: "POST", contentType: type, body: body)
                #expect(status == 200, "\(form): \(String(decoding: data, as: UTF8.self))")
                let answer = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
                let faces = answer["faces"] as? [[String: Any]] ?? []
                #expect(faces.count == expected.count, "\(form)")
                // The PNG decodes to the same pixels as the JPEG's decoder output only approximately
                // (ffmpeg re-encodes), so it is held to the same faces, not the same digits.
                for (face, wanted) in zip(faces, expected) where type != "image/png" {
                    #expect(face["box"] as? [String: Int] == wanted["box"] as? [String: Int], "\(form)")
                    let got = face["probabilities"] as? [String: Double] ?? [:]
                    for (emotion, probability) in wanted["probabilities"] as? [String: Double] ?? [:] {
                        #expect(abs((got[emotion] ?? -1) - probability) < 1e-6, "\(form) \(emotion)")
                    }
                }
            }
            // A JPEG whose header reads but whose scan does not decode passes the web service's check;
            // the detector flags it, and the answer says the image is corrupt. It is recorded too.
            let corrupt = [0xFF, 0xD8] + jpegSegment(0xC0, jpegFrameHeader(width: 64, height: 48)) + jpegStartOfScan + [0x12, 0x34]
            let (data, status) = try request(url + "/api/v1/analyze", method: "POST", contentType: "image/jpeg", body: Data(corrupt))
            #expect(status == 422, "\(String(decoding: data, as: UTF8.self))")
            let rows = try StackTestSupport.query(database, "SELECT count(*) AS frames FROM frames WHERE source = 'upload'", in: directory)
            #expect(rows.first?["frames"] as? Int == forms.count + 1)
        }
    }

    @Test(.enabled(if: browserReady || StackTestSupport.inCI, "needs Debian's chromium and chromium-driver (scripts/test.sh installs them)"))
    func theUploadPageShowsABoxAndSevenBarsPerFace() throws {
        let photo = StackTestSupport.facePhotos[4]
        try FileManager.default.createDirectory(atPath: Self.screenshots, withIntermediateDirectories: true)
        try withStack { url, directory, _ in
            let expected = try StackTestSupport.analyze([photo], in: directory).values.first ?? []
            let screenshot = Self.screenshots + "/upload.png"
            let output = try StackTestSupport.run(
                "/usr/bin/python3",
                [
                    Self.browserScript, "upload", "--url", url + "/", "--photo", photo,
                    "--screenshot", screenshot, "--timeout", "120"
                ], in: directory)
            #expect(output.status == 0, "browser: \(output.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(report["error"] is NSNull)
            #expect(report["boxes"] as? Int == expected.count)
            #expect(report["faces"] as? Int == expected.count)
            #expect(report["bars_per_face"] as? [Int] == [Int](repeating: 7, count: expected.count))
            #expect(FileManager.default.fileExists(atPath: screenshot))
            print("upload page screenshot: \(screenshot)")
        }
    }

    @Test(.enabled(if: browserReady || StackTestSupport.inCI, "needs Debian's chromium and chromium-driver (scripts/test.sh installs them)"))
    func theLivePageShowsResultsWhileAVideoPlays() throws {
        try FileManager.default.createDirectory(atPath: Self.screenshots, withIntermediateDirectories: true)
        let directory = try StackTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let video = directory + "/clip.avi"
        try StackTestSupport.makeVideo(from: StackTestSupport.facePhotos[4], frames: 100, to: video)
        // Played in a loop, so that results keep coming however long the browser takes to start
        // on a slow or busy machine.
        try withStack(sources: ["clip=\(video)"], loop: true) { url, directory, _ in
            let screenshot = Self.screenshots + "/live.png"
            let output = try StackTestSupport.run(
                "/usr/bin/python3",
                [
                    Self.browserScript, "live", "--url", url + "/live",
                    "--screenshot", screenshot, "--min-results", "5", "--timeout", "120"
                ], in: directory)
            #expect(output.status == 0, "browser: \(output.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(report["results"] as? Int ?? 0 >= 5)
            #expect(report["faces"] as? Int ?? 0 >= 1)
            // The frame itself is shown: the ingest's preview of a recorded frame.
            #expect(report["images"] as? Int ?? 0 >= 1)
            #expect((report["sources"] as? [String])?.contains("clip") == true)
            print("live page screenshot: \(screenshot)")
        }
    }
}
