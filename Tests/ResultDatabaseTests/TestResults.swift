import Imaging
import PipelineProtocol
import Results

/// A results message of `source`/`seq` captured at `capturedAt` (µs since the epoch) with one
/// face per entry of `faces`: its box and its seven probabilities.
func resultsMessage(
    source: String = "cam1", seq: UInt64, capturedAt: Int64 = 1_700_000_045_250_000,
    faces: [(box: PixelRect, probabilities: [Float])] = [],
    detectMicros: UInt32 = 21_500, classifyMicros: UInt32 = 0
) -> ResultsMessage {
    let header = FrameHeader(
        kind: .results, source: source, seq: seq, capturedAt: capturedAt, width: 640, height: 480,
        detectMicros: detectMicros, classifyMicros: classifyMicros)
    return ResultsMessage(header: header, faces: faces.map { DetectedFace(box: $0.box) }, probabilities: faces.flatMap(\.probabilities))
}

/// Probabilities with `emotion` at 0.7 and the others sharing the rest.
func probabilities(favouring emotion: Emotion) -> [Float] {
    Emotion.allCases.map { $0 == emotion ? 0.7 : 0.05 }
}
