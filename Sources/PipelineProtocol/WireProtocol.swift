import Imaging
import Results

/// Moodwire's wire format between pipeline stages: multipart ZeroMQ messages whose first part is a
/// fixed little-endian header and whose other parts are binary payloads. docs/protocol.md is the
/// normative description (with a Python example); this file is its implementation.
///
/// Header (46 + n bytes):
///
///     offset size field
///      0     4   magic "MOOD"
///      4     1   version (2)
///      5     1   kind (MessageKind)
///      6     2   flags (FrameFlags)
///      8     8   seq            u64, per source, from 0
///     16     8   captured_at    i64, microseconds since the Unix epoch (UTC)
///     24     4   width          u32, pixels of the upright frame (0 if the ingest does not know)
///     28     4   height         u32
///     32     4   face_count     u32
///     36     4   detect_us      u32, time the detector spent on the frame (0 before it)
///     40     4   classify_us    u32, time the classifier spent on its faces (0 before it)
///     44     2   source_len     u16, 1...255
///     46     n   source         UTF-8
public enum WireProtocol {
    public static let magic: [UInt8] = Array("MOOD".utf8)
    public static let version: UInt8 = 2
    public static let fixedHeaderSize = 46
    public static let maxSourceBytes = 255
    /// Largest encoded image part a stage accepts.
    public static let maxImageBytes = 32 << 20
    /// Largest frame side and area a stage accepts.
    public static let maxSide = 20_000
    public static let maxPixels = 50_000_000
    /// The same limits, for reading an image's header before it is sent.
    public static let imageLimits = ImageHeader.Limits(maxSide: maxSide, maxPixels: maxPixels)
    /// Most faces one frame may carry.
    public static let maxFaces = 1024
    /// Largest side of the square grayscale face crops the detector sends (at the classifier
    /// model's input size), and most crop bytes in one message: 1024 faces at fer's 64x64.
    public static let maxCropSide = 512
    public static let maxCropBytes = maxFaces * 64 * 64
    /// One face on the wire: the box (x, y, w, h as i32), the detector's score (f32; NaN when the
    /// detector has none) and the six keypoints (x, y as f32 each, in `DetectedFace.keypointNames`
    /// order; all NaN when the detector has none).
    public static let faceBytes = 16 + 4 + 8 * DetectedFace.keypointNames.count
    public static let probabilityBytes = 4 * 7
}

public enum MessageKind: UInt8, Sendable, CaseIterable {
    /// ingest → detector: [header, image (JPEG or PNG)]
    case frame = 1
    /// detector → classifier: [header, faces, crops]
    case faces = 2
    /// classifier → recorder: [header, faces, probabilities]
    case results = 3
    /// recorder → subscribers: [header, faces, probabilities] once the frame is committed
    case ack = 4
    /// ingest → live viewers (PUB/SUB): [header, image], a few frames a second, for display
    case preview = 5

    var partCount: Int {
        switch self {
        case .frame, .preview: 2
        case .faces, .results, .ack: 3
        }
    }
}

public struct FrameFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// The ingest keeps this frame until the recorder acknowledges it and re-sends it after a
    /// timeout (file sources). Frames without it may be dropped under back-pressure (live sources).
    public static let acknowledged = FrameFlags(rawValue: 1)
    /// The detector could not decode the image: the frame is recorded with no faces, so that an
    /// acknowledged frame is not re-sent forever.
    public static let undecodable = FrameFlags(rawValue: 2)
    /// A photo (an image file, an upload), not a video frame: the detector may spend more on it
    /// (BlazeFace searches tiles of smaller photos).
    public static let still = FrameFlags(rawValue: 4)
    /// A readiness probe (`moodwire up` sends one before starting its sources): every stage
    /// handles it as any frame, and the recorder acknowledges it without recording it.
    public static let probe = FrameFlags(rawValue: 8)
}

/// Why a message was refused. Each kind is counted and logged (rate-limited) by the receiving stage.
public enum MalformedMessage: Error, Sendable, Hashable, CustomStringConvertible {
    case wrongPartCount(expected: Int, got: Int)
    case badHeader(String)
    case badVersion(UInt8)
    case unexpectedKind(UInt8)
    case oversizedPart(part: Int, bytes: Int)
    case inconsistentParts(String)

    /// A stable name per case, for counters and rate-limited logs.
    public var kind: String {
        switch self {
        case .wrongPartCount: "wrong_part_count"
        case .badHeader: "bad_header"
        case .badVersion: "bad_version"
        case .unexpectedKind: "unexpected_kind"
        case .oversizedPart: "oversized_part"
        case .inconsistentParts: "inconsistent_parts"
        }
    }

    public var description: String {
        switch self {
        case .wrongPartCount(let expected, let got): "expected \(expected) parts, got \(got)"
        case .badHeader(let reason): "bad header: \(reason)"
        case .badVersion(let version): "protocol version \(version), this build speaks \(WireProtocol.version)"
        case .unexpectedKind(let kind): "unexpected message kind \(kind)"
        case .oversizedPart(let part, let bytes): "part \(part) is \(bytes) bytes, over the limit"
        case .inconsistentParts(let reason): "inconsistent parts: \(reason)"
        }
    }
}

/// The header every message starts with.
public struct FrameHeader: Sendable, Hashable {
    public var kind: MessageKind
    public var flags: FrameFlags
    public var source: String
    public var seq: UInt64
    /// Microseconds since the Unix epoch when the frame was captured (read, for files).
    public var capturedAt: Int64
    public var width: Int
    public var height: Int
    public var faceCount: Int
    public var detectMicros: UInt32
    public var classifyMicros: UInt32

    public init(
        kind: MessageKind, flags: FrameFlags = [], source: String, seq: UInt64, capturedAt: Int64,
        width: Int = 0, height: Int = 0, faceCount: Int = 0, detectMicros: UInt32 = 0, classifyMicros: UInt32 = 0
    ) {
        self.kind = kind
        self.flags = flags
        self.source = source
        self.seq = seq
        self.capturedAt = capturedAt
        self.width = width
        self.height = height
        self.faceCount = faceCount
        self.detectMicros = detectMicros
        self.classifyMicros = classifyMicros
    }

    /// The same frame's header for the next stage's message.
    public func with(kind: MessageKind) -> FrameHeader {
        var copy = self
        copy.kind = kind
        return copy
    }

    public func encoded() -> [UInt8] {
        let sourceBytes = Array(source.utf8)
        precondition((1...WireProtocol.maxSourceBytes).contains(sourceBytes.count), "source id must be 1-255 UTF-8 bytes")
        var bytes = WireProtocol.magic
        bytes.reserveCapacity(WireProtocol.fixedHeaderSize + sourceBytes.count)
        bytes.append(WireProtocol.version)
        bytes.append(kind.rawValue)
        bytes.appendLittleEndian(flags.rawValue)
        bytes.appendLittleEndian(seq)
        bytes.appendLittleEndian(UInt64(bitPattern: capturedAt))
        bytes.appendLittleEndian(UInt32(width))
        bytes.appendLittleEndian(UInt32(height))
        bytes.appendLittleEndian(UInt32(faceCount))
        bytes.appendLittleEndian(detectMicros)
        bytes.appendLittleEndian(classifyMicros)
        bytes.appendLittleEndian(UInt16(sourceBytes.count))
        bytes += sourceBytes
        return bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(MalformedMessage) -> FrameHeader {
        guard bytes.count >= WireProtocol.fixedHeaderSize else {
            throw .badHeader("\(bytes.count) bytes, the fixed part is \(WireProtocol.fixedHeaderSize)")
        }
        guard Array(bytes[0..<4]) == WireProtocol.magic else { throw .badHeader("no MOOD magic") }
        guard bytes[4] == WireProtocol.version else { throw .badVersion(bytes[4]) }
        guard let kind = MessageKind(rawValue: bytes[5]) else { throw .unexpectedKind(bytes[5]) }
        guard let sourceBytes = encodedSource(bytes) else {
            let sourceLength = bytes.readLittleEndian(UInt16.self, at: 44)
            throw .badHeader("source length \(sourceLength) does not match the header's \(bytes.count) bytes")
        }
        guard let source = String(validating: sourceBytes, as: UTF8.self) else {
            throw .badHeader("source id is not UTF-8")
        }
        let width = Int(bytes.readLittleEndian(UInt32.self, at: 24))
        let height = Int(bytes.readLittleEndian(UInt32.self, at: 28))
        guard width <= WireProtocol.maxSide, height <= WireProtocol.maxSide, width * height <= WireProtocol.maxPixels else {
            throw .badHeader("frame size \(width)x\(height) is over the limit")
        }
        let faceCount = Int(bytes.readLittleEndian(UInt32.self, at: 32))
        guard faceCount <= WireProtocol.maxFaces else { throw .badHeader("\(faceCount) faces, the limit is \(WireProtocol.maxFaces)") }
        return FrameHeader(
            kind: kind, flags: FrameFlags(rawValue: bytes.readLittleEndian(UInt16.self, at: 6)),
            source: source, seq: bytes.readLittleEndian(UInt64.self, at: 8),
            capturedAt: Int64(bitPattern: bytes.readLittleEndian(UInt64.self, at: 16)),
            width: width, height: height, faceCount: faceCount,
            detectMicros: bytes.readLittleEndian(UInt32.self, at: 36),
            classifyMicros: bytes.readLittleEndian(UInt32.self, at: 40))
    }

    /// The source id bytes of an encoded header, found without decoding or checking the rest: a
    /// subscriber to every source's acknowledgements tells its own apart at the cost of a compare.
    /// Nil when the header is too short or its source length does not match its size.
    public static func encodedSource(_ bytes: [UInt8]) -> ArraySlice<UInt8>? {
        guard bytes.count > WireProtocol.fixedHeaderSize else { return nil }
        let sourceLength = Int(bytes.readLittleEndian(UInt16.self, at: 44))
        guard bytes.count == WireProtocol.fixedHeaderSize + sourceLength else { return nil }
        return bytes[WireProtocol.fixedHeaderSize...]
    }

    /// Decodes the header of `parts` and checks the kind and the part count.
    static func decode(parts: [[UInt8]], expecting kind: MessageKind) throws(MalformedMessage) -> FrameHeader {
        guard let first = parts.first else { throw .wrongPartCount(expected: kind.partCount, got: 0) }
        let header = try decode(first)
        guard header.kind == kind else { throw .unexpectedKind(header.kind.rawValue) }
        guard parts.count == kind.partCount else { throw .wrongPartCount(expected: kind.partCount, got: parts.count) }
        return header
    }
}

/// ingest → detector: one frame as an encoded image; also, with kind `preview`, ingest → live
/// viewers.
public struct FrameMessage: Sendable {
    public var header: FrameHeader
    /// JPEG (PNG is accepted too, for stills).
    public var image: [UInt8]

    public init(header: FrameHeader, image: [UInt8], kind: MessageKind = .frame) {
        precondition(kind == .frame || kind == .preview, "a frame or a preview")
        self.header = header.with(kind: kind)
        self.image = image
    }

    public var parts: [[UInt8]] { [header.encoded(), image] }

    public init(parts: [[UInt8]], kind: MessageKind = .frame) throws(MalformedMessage) {
        header = try FrameHeader.decode(parts: parts, expecting: kind)
        image = parts[1]
        guard !image.isEmpty else { throw .inconsistentParts("empty image") }
        guard image.count <= WireProtocol.maxImageBytes else { throw .oversizedPart(part: 1, bytes: image.count) }
    }
}

/// detector → classifier: a frame's faces and their square grayscale crops, at the size of the
/// classifier model's input, so that each face is resized once. The crop side is not in the
/// header: it is the square root of a face's share of the crop bytes.
public struct FacesMessage: Sendable {
    public var header: FrameHeader
    public var faces: [DetectedFace]
    /// `faces.count` crops of `cropSide` x `cropSide` bytes each, row-major.
    public var crops: [UInt8]
    /// The crops' side in pixels; 0 when there are none.
    public let cropSide: Int

    public init(header: FrameHeader, faces: [DetectedFace], crops: [UInt8], cropSide: Int) {
        precondition(crops.count == faces.count * cropSide * cropSide, "one cropSide x cropSide crop per face")
        var header = header.with(kind: .faces)
        header.faceCount = faces.count
        self.header = header
        self.faces = faces
        self.crops = crops
        self.cropSide = faces.isEmpty ? 0 : cropSide
    }

    public var parts: [[UInt8]] { [header.encoded(), encodeFaces(faces), crops] }

    public init(parts: [[UInt8]]) throws(MalformedMessage) {
        header = try FrameHeader.decode(parts: parts, expecting: .faces)
        faces = try decodeFaces(parts[1], count: header.faceCount)
        crops = parts[2]
        guard crops.count <= WireProtocol.maxCropBytes else { throw .oversizedPart(part: 2, bytes: crops.count) }
        guard header.faceCount > 0 else {
            guard crops.isEmpty else { throw .inconsistentParts("\(crops.count) crop bytes without faces") }
            cropSide = 0
            return
        }
        let bytesPerFace = crops.count / header.faceCount
        let side = Int(Double(bytesPerFace).squareRoot().rounded())
        guard crops.count == header.faceCount * bytesPerFace, side * side == bytesPerFace, (1...WireProtocol.maxCropSide).contains(side) else {
            throw .inconsistentParts(
                "\(crops.count) crop bytes are not \(header.faceCount) square crops of 1 to \(WireProtocol.maxCropSide) pixels a side")
        }
        cropSide = side
    }

    /// The crop of face `index` as an image.
    public func crop(_ index: Int) -> GrayImage {
        let bytes = cropSide * cropSide
        return GrayImage(width: cropSide, height: cropSide, pixels: Array(crops[(index * bytes)..<((index + 1) * bytes)]))
    }
}

/// classifier → recorder: a frame's faces with their seven probabilities.
public struct ResultsMessage: Sendable, Equatable {
    public var header: FrameHeader
    public var faces: [DetectedFace]
    /// `faces.count` rows of seven probabilities in `Emotion` order.
    public var probabilities: [Float]

    public init(header: FrameHeader, faces: [DetectedFace], probabilities: [Float]) {
        precondition(probabilities.count == faces.count * Emotion.allCases.count, "seven probabilities per face")
        var header = header.with(kind: .results)
        header.faceCount = faces.count
        self.header = header
        self.faces = faces
        self.probabilities = probabilities
    }

    public var parts: [[UInt8]] {
        var probabilityBytes: [UInt8] = []
        probabilityBytes.reserveCapacity(probabilities.count * 4)
        for p in probabilities { probabilityBytes.appendLittleEndian(p.bitPattern) }
        return [header.encoded(), encodeFaces(faces), probabilityBytes]
    }

    public init(parts: [[UInt8]]) throws(MalformedMessage) {
        try self.init(parts: parts, kind: .results)
    }

    init(parts: [[UInt8]], kind: MessageKind) throws(MalformedMessage) {
        header = try FrameHeader.decode(parts: parts, expecting: kind)
        faces = try decodeFaces(parts[1], count: header.faceCount)
        let bytes = parts[2]
        guard bytes.count == header.faceCount * WireProtocol.probabilityBytes else {
            throw .inconsistentParts("\(bytes.count) probability bytes for \(header.faceCount) faces")
        }
        probabilities = (0..<(bytes.count / 4)).map { Float(bitPattern: bytes.readLittleEndian(UInt32.self, at: $0 * 4)) }
        guard probabilities.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
            throw .inconsistentParts("probabilities outside [0, 1]")
        }
    }

    /// The probabilities of face `index`.
    public func probabilities(ofFace index: Int) -> ArraySlice<Float> {
        probabilities[(index * 7)..<(index * 7 + 7)]
    }
}

/// recorder → subscribers: the frame `header.source`/`header.seq` is committed (or was already),
/// with its results; `header.faceCount` faces. The same parts as a results message, with kind ack.
public struct AckMessage: Sendable, Equatable {
    public var results: ResultsMessage

    public init(results: ResultsMessage) { self.results = results }

    public var header: FrameHeader { results.header }

    public var parts: [[UInt8]] {
        var parts = results.parts
        parts[0] = results.header.with(kind: .ack).encoded()
        return parts
    }

    public init(parts: [[UInt8]]) throws(MalformedMessage) {
        results = try ResultsMessage(parts: parts, kind: .ack)
        results.header.kind = .results
    }
}

private func encodeFaces(_ faces: [DetectedFace]) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(faces.count * WireProtocol.faceBytes)
    for face in faces {
        let box = face.box
        for value in [box.x, box.y, box.width, box.height] { bytes.appendLittleEndian(UInt32(bitPattern: Int32(value))) }
        bytes.appendLittleEndian((face.score ?? .nan).bitPattern)
        for index in DetectedFace.keypointNames.indices {
            let point = face.keypoints.isEmpty ? FramePoint(x: .nan, y: .nan) : face.keypoints[index]
            bytes.appendLittleEndian(point.x.bitPattern)
            bytes.appendLittleEndian(point.y.bitPattern)
        }
    }
    return bytes
}

private func decodeFaces(_ bytes: [UInt8], count: Int) throws(MalformedMessage) -> [DetectedFace] {
    guard bytes.count == count * WireProtocol.faceBytes else {
        throw .inconsistentParts("\(bytes.count) face bytes for \(count) faces")
    }
    var faces: [DetectedFace] = []
    faces.reserveCapacity(count)
    for i in 0..<count {
        let base = i * WireProtocol.faceBytes
        func integer(_ field: Int) -> Int { Int(Int32(bitPattern: bytes.readLittleEndian(UInt32.self, at: base + field * 4))) }
        func float(_ field: Int) -> Float { Float(bitPattern: bytes.readLittleEndian(UInt32.self, at: base + field * 4)) }
        let box = PixelRect(x: integer(0), y: integer(1), width: integer(2), height: integer(3))
        guard box.width >= 0, box.height >= 0 else { throw .inconsistentParts("face \(i) has a box of negative size") }
        let score = float(4)
        guard score.isNaN || (0...1).contains(score) else { throw .inconsistentParts("face \(i) has a score outside [0, 1]") }
        let coordinates = (0..<(2 * DetectedFace.keypointNames.count)).map { float(5 + $0) }
        let keypoints: [FramePoint]
        if coordinates.allSatisfy(\.isNaN) {
            keypoints = []
        } else {
            guard coordinates.allSatisfy({ $0.isFinite && abs($0) <= Float(2 * WireProtocol.maxSide) }) else {
                throw .inconsistentParts("face \(i) has keypoints that are neither all absent nor all finite")
            }
            keypoints = stride(from: 0, to: coordinates.count, by: 2).map { FramePoint(x: coordinates[$0], y: coordinates[$0 + 1]) }
        }
        faces.append(DetectedFace(box: box, score: score.isNaN ? nil : score, keypoints: keypoints))
    }
    return faces
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    func readLittleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        var value = T.zero
        Swift.withUnsafeMutableBytes(of: &value) { destination in
            for i in 0..<MemoryLayout<T>.size { destination[i] = self[offset + i] }
        }
        return T(littleEndian: value)
    }
}
