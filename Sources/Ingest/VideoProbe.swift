import Foundation
import Processes

/// A video's frame count from ffprobe's reading of its container headers, for progress: the
/// stream's `nb_frames` where the container records it (MP4, AVI), else duration × average frame
/// rate (Matroska, WebM). Reading headers takes milliseconds; counting packets exactly would read
/// the whole file, so this is an estimate for containers that do not store the count.
enum VideoProbe {
    private struct Output: Decodable {
        struct Stream: Decodable {
            var nb_frames: String?
            var avg_frame_rate: String?
            var duration: String?
        }

        struct Format: Decodable {
            var duration: String?
        }

        var streams: [Stream]
        var format: Format?
    }

    /// The frame count of the first video stream of `path`, or nil when ffprobe fails or the
    /// container says neither.
    static func frameCount(of path: String, ffprobe: String) -> Int? {
        let arguments = [
            "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=nb_frames,avg_frame_rate,duration:format=duration",
            "-of", "json", path
        ]
        guard
            let child = try? ChildProcess(
                executable: ffprobe, arguments: arguments, options: .init(standardOutput: .pipe, standardError: .tail(limit: 8192)))
        else { return nil }
        var json: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var ended = false
        while !ended, json.count < 1 << 20 {
            guard let count = try? buffer.withUnsafeMutableBytes({ (raw) throws(ChildProcessError) in try child.readOutput(into: raw) }) else {
                break
            }
            json += buffer[..<count]
            ended = count == 0
        }
        guard ended else {
            child.stop(timeout: .seconds(2))  // unreadable or absurdly long output: not worth waiting for
            return nil
        }
        guard child.waitForExit() == .exited(0),
            let output = try? JSONDecoder().decode(Output.self, from: Data(json)),
            let stream = output.streams.first
        else { return nil }
        if let frames = stream.nb_frames.flatMap(Int.init), frames > 0 { return frames }
        guard let duration = (stream.duration ?? output.format?.duration).flatMap(Double.init),
            let rate = stream.avg_frame_rate.flatMap(rate(_:))
        else { return nil }
        let frames = (duration * rate).rounded()
        return frames >= 1 && frames < Double(Int.max) ? Int(frames) : nil
    }

    /// A rate written as ffprobe writes it ("30000/1001"), nil for "0/0" and other non-rates.
    static func rate(_ text: String) -> Double? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let numerator = Double(parts[0]), let denominator = Double(parts[1]),
            numerator > 0, denominator > 0
        else { return nil }
        return numerator / denominator
    }
}
