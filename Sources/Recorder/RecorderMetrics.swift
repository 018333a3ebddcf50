import Metrics

/// What `/metrics` shows of the recorder: frames stored and re-sends ignored, faces, commits.
struct RecorderMetrics {
    let newFrames = Counter(label: "moodwire.recorder.frames", dimensions: [("outcome", "stored")])
    /// Frames that were already stored (a re-send after a lost acknowledgement): ignored.
    let duplicateFrames = Counter(label: "moodwire.recorder.frames", dimensions: [("outcome", "duplicate")])
    let faces = Counter(label: "moodwire.recorder.faces")
    let commitLatency = Metrics.Timer(label: "moodwire.recorder.latency", dimensions: [("step", "commit")])
    let batchFrames = Recorder(label: "moodwire.recorder.batch_frames", aggregate: true)
}
