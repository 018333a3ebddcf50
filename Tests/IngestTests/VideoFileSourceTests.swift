import Foundation
import TestSupport
import Testing

@testable import Imaging
@testable import Ingest

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Video file sources through ffmpeg")
struct VideoFileSourceTests {
    @Test("A 1.5 s clip at 10 fps gives exactly 15 upright, decodable JPEG frames, then ends", .needsFFmpeg)
    func framesOfAClip() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let clip = try makeVideo(root.appendingPathComponent("clip.mp4").path)

        let spec = try SourceSpec.parse(clip)
        #expect(spec == (try SourceSpec(name: "clip.mp4", kind: .video(path: clip))))
        var source = try spec.open()
        #expect(source is VideoFileSource)
        #expect(source.expectedFrameCount == 15)

        let before = SourceFrame.now()
        let frames = try readAll(&source)
        #expect(frames.count == 15)
        #expect(frames.map(\.seq) == Array(0..<15))
        let decoder = ImageDecoder()
        for frame in frames {
            #expect(frame.width == 320 && frame.height == 240)
            #expect(frame.capturedAt >= before)
            let gray = try decoder.decodeGray(Data(frame.image), source: "frame \(frame.seq)")
            #expect(gray.width == 320 && gray.height == 240)
        }
        // testsrc moves: consecutive frames differ.
        #expect(Set(frames.map(\.image)).count == 15)
        #expect(try source.next() == nil)
        #expect((source as? VideoFileSource)?.processIdentifier == nil)
    }

    @Test("Looping restarts ffmpeg and keeps counting", .needsFFmpeg)
    func looping() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let clip = try makeVideo(root.appendingPathComponent("short.mp4").path, seconds: "0.5")

        var source = try VideoFileSource(name: "short", path: clip, loop: true)
        #expect(source.expectedFrameCount == 5)
        let frames = try readAll(&source, limit: 12)
        #expect(frames.map(\.seq) == Array(0..<12))
        // ffmpeg decodes and encodes deterministically: each pass gives the same images.
        #expect(frames[0].image == frames[5].image && frames[0].image == frames[10].image)
        #expect(frames[4].image == frames[9].image)
        source.close()
        #expect(try source.next() == nil)
    }

    @Test("Odd sizes survive, and Matroska's count is duration times frame rate", .needsFFmpeg)
    func oddSizeMatroska() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let clip = try makeVideo(
            root.appendingPathComponent("odd.mkv").path, width: 321, height: 241, rate: 8,
            seconds: "1", codec: ["-c:v", "mpeg4"])

        var source = try VideoFileSource(name: "odd", path: clip)
        #expect(source.expectedFrameCount == 8)
        let frames = try readAll(&source)
        #expect(frames.count == 8)
        #expect(frames.allSatisfy { $0.width == 321 && $0.height == 241 })
    }

    @Test("A corrupt or non-video file fails with ffmpeg's own words", .needsFFmpeg)
    func corruptVideo() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let clip = try readFile(try makeVideo(root.appendingPathComponent("whole.mp4").path))
        // x264's MP4 puts its index (moov) at the end: the first 3 kB are unreadable.
        let truncated = try writeFile("truncated.mp4", in: root, Array(clip.prefix(3_000)))
        let text = try writeFile("notes.mp4", in: root, Array(String(repeating: "not a video\n", count: 100).utf8))

        for path in [truncated, text] {
            var source = try SourceSpec.parse("broken=" + path).open()
            #expect(source.expectedFrameCount == nil)
            let error = try #require(ingestError { _ = try source.next() })
            guard case .ffmpegFailed(let name, let failedPath, let status, let stderr) = error else {
                Issue.record("expected ffmpegFailed, got \(error)")
                continue
            }
            #expect(name == "broken" && failedPath == path && status != 0)
            #expect(stderr.contains("Invalid data found when processing input"))
            #expect(error.description.hasPrefix("source broken: ffmpeg could not read \(path) (exit status \(status)): "))
            #expect(try source.next() == nil)
        }
    }

    @Test("close() stops a running ffmpeg and reaps it", .needsFFmpeg)
    func closeReaps() throws {
        let root = try makeTemporaryFolder()
        defer { removeTemporaryFolder(root) }
        let clip = try makeVideo(root.appendingPathComponent("long.mp4").path, rate: 30, seconds: "10")

        let source = try VideoFileSource(name: "long", path: clip)
        var reader: any FrameSource = source
        #expect(try reader.next()?.seq == 0)
        let pid = try #require(source.processIdentifier)
        #expect(kill(pid, 0) == 0)  // still running: its output is not read yet

        source.close()
        #expect(source.processIdentifier == nil)
        #expect(kill(pid, 0) == -1 && errno == ESRCH)  // gone and reaped, not a zombie
        #expect(try reader.next() == nil)
    }

    @Test("A missing ffmpeg is reported when the source is made")
    func missingFFmpeg() throws {
        let error = ingestError { _ = try VideoFileSource(name: "v", path: "/tmp/x.mp4", ffmpegPath: "/nonexistent/ffmpeg") }
        #expect(error == .ffmpegNotFound(source: "v", executable: "/nonexistent/ffmpeg"))
        #expect(error?.description.contains("install ffmpeg") == true)
        let options = SourceOptions(ffmpegPath: "no-such-ffmpeg-binary")
        #expect(
            ingestError { _ = try SourceSpec(name: "v", kind: .video(path: "/tmp/x.mp4")).open(options) }
                == .ffmpegNotFound(source: "v", executable: "no-such-ffmpeg-binary"))
    }
}
