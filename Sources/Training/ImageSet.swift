import Foundation
import Imaging

/// Labelled grayscale images held in memory at the network's input size (one byte a pixel:
/// FER2013's 28,709 training faces take 66 MB at 48x48).
public struct ImageSet: Sendable {
    /// The class names, in output order.
    public let labels: [String]
    public let side: Int
    /// count x side x side pixels, image after image.
    public let pixels: [UInt8]
    /// Each image's class index into `labels`.
    public let classes: [Int]

    public var count: Int { classes.count }

    public init(labels: [String], side: Int, pixels: [UInt8], classes: [Int]) {
        precondition(pixels.count == classes.count * side * side, "pixels must hold every image")
        precondition(classes.allSatisfy { labels.indices.contains($0) }, "classes must index the labels")
        self.labels = labels
        self.side = side
        self.pixels = pixels
        self.classes = classes
    }

    /// Images per class, in label order.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: labels.count)
        for label in classes { counts[label] += 1 }
        return counts
    }

    /// One image, for the inference runtime.
    public func image(_ index: Int) -> GrayImage {
        let start = index * side * side
        return GrayImage(width: side, height: side, pixels: Array(pixels[start..<(start + side * side)]))
    }

    /// An image file that could not be decoded, and why.
    public struct Unreadable: Sendable, Equatable {
        public let path: String
        public let reason: String
    }

    /// Decodes `files` (path and class index) on `threads` threads, converting to grayscale and
    /// resizing to `side` x `side` with OpenCV's INTER_LINEAR rule, as the classifier resizes a
    /// face. Files that fail to decode are left out and returned. `progress(done)` is called from
    /// the calling thread as decoding advances.
    public static func load(
        files: [(path: String, label: Int)], labels: [String], side: Int, threads: Int = 1,
        progress: (Int) -> Void = { _ in }
    ) -> (images: ImageSet, unreadable: [Unreadable]) {
        let slot = side * side
        let decoded = DecodedFiles(count: files.count, slot: slot)
        let next = Counter()
        let workers = max(1, min(threads, files.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            let worker = Thread {
                let decoder = ImageDecoder()
                while case let index = next.take(), index < files.count {
                    do {
                        var face = try decoder.decodeGray(contentsOf: files[index].path)
                        if face.width != side || face.height != side { face = BilinearResize.resize(face, width: side, height: side) }
                        decoded.store(face.pixels, at: index)
                    } catch {
                        decoded.fail(index, reason: "\(error)")
                    }
                }
                group.leave()
            }
            group.enter()
            worker.start()
        }
        while group.wait(timeout: .now() + .milliseconds(100)) == .timedOut { progress(min(next.value, files.count)) }
        progress(files.count)

        var pixels: [UInt8] = []
        pixels.reserveCapacity(files.count * slot)
        var classes: [Int] = []
        var unreadable: [Unreadable] = []
        for (index, file) in files.enumerated() {
            if let reason = decoded.lockedFailures[index] {
                unreadable.append(Unreadable(path: file.path, reason: reason))
            } else {
                pixels += decoded.pixels[(index * slot)..<((index + 1) * slot)]
                classes.append(file.label)
            }
        }
        return (ImageSet(labels: labels, side: side, pixels: pixels, classes: classes), unreadable)
    }
}

/// The decoding threads' shared results: each writes only its own indices.
private final class DecodedFiles: @unchecked Sendable {
    let slot: Int
    /// Raw memory rather than an array: threads write disjoint ranges at once.
    let pixels: UnsafeMutableBufferPointer<UInt8>
    private(set) var failures: [Int: String] = [:]
    private let lock = NSLock()

    init(count: Int, slot: Int) {
        self.slot = slot
        pixels = .allocate(capacity: max(1, count * slot))
        pixels.initialize(repeating: 0)
    }

    deinit { pixels.deallocate() }

    func store(_ values: [UInt8], at index: Int) {
        values.withUnsafeBufferPointer { pixels.baseAddress!.advanced(by: index * slot).update(from: $0.baseAddress!, count: slot) }
    }

    var lockedFailures: [Int: String] { lock.withLock { failures } }

    func fail(_ index: Int, reason: String) {
        lock.withLock { failures[index] = reason }
    }
}

/// The next file to decode, shared by the decoding threads.
private final class Counter: @unchecked Sendable {
    private var next = 0
    private let lock = NSLock()

    var value: Int { lock.withLock { next } }

    func take() -> Int {
        lock.withLock {
            defer { next += 1 }
            return next
        }
    }
}
