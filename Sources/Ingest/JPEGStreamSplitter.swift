import PipelineProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits a stream of back-to-back JPEG images (ffmpeg's `image2pipe` output) into images, fed in
/// chunks of any size as they arrive from the pipe.
///
/// It follows the JPEG syntax instead of searching for the end marker: SOI, then length-prefixed
/// segments up to a scan (SOS), then entropy-coded data in which 0xFF00 is a stuffed byte and RST0-7
/// are restart markers; any other marker after the data starts another segment or scan
/// (progressive images have several), and EOI ends the image. A byte pair that looks like EOI in a
/// segment (an EXIF thumbnail, a comment) therefore does not cut an image. Anything off the syntax
/// is an error, and no image may grow past `maxImageBytes`, so that garbage never buffers without
/// bound. After an error the stream cannot be resynchronised and every later call fails the same way.
public struct JPEGStreamSplitter: Sendable {
    /// Why the stream is not a sequence of JPEG images; offsets count from the stream's first byte.
    public enum StreamError: Error, Sendable, Equatable, CustomStringConvertible {
        /// An image must start with SOI (FF D8).
        case missingStartOfImage(offset: Int, byte: UInt8)
        /// A marker was expected (a 0xFF) between segments.
        case missingMarker(offset: Int, byte: UInt8)
        /// A marker code that cannot occur here (a second SOI, a 0x00, EOI before any scan).
        case unexpectedMarker(offset: Int, marker: UInt8)
        /// A segment length below 2 (it counts its own two bytes).
        case badSegmentLength(offset: Int, length: Int)
        /// One image is over the size limit: the data is not JPEG or the limit is too small.
        case imageTooLarge(limit: Int)
        /// The stream ended in the middle of an image.
        case truncated(bufferedBytes: Int)

        public var description: String {
            switch self {
            case let .missingStartOfImage(offset, byte):
                return "expected an image start (FF D8) at byte \(offset), found \(hex(byte))"
            case let .missingMarker(offset, byte):
                return "expected a marker (FF) at byte \(offset), found \(hex(byte))"
            case let .unexpectedMarker(offset, marker):
                return "unexpected marker FF \(hex(marker)) at byte \(offset)"
            case let .badSegmentLength(offset, length):
                return "segment length \(length) at byte \(offset) is below 2"
            case let .imageTooLarge(limit):
                return "an image is over the limit of \(limit) bytes"
            case let .truncated(bufferedBytes):
                return "the stream ends in the middle of an image (\(bufferedBytes) bytes of it)"
            }
        }

        private func hex(_ byte: UInt8) -> String {
            let digits = Array("0123456789ABCDEF")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }
    }

    /// Where the parser is in the JPEG syntax.
    private enum State: Sendable, Equatable {
        /// Between images: the FF of the next SOI, then its D8.
        case imageStart
        case imageStartCode
        /// Between segments: a 0xFF, then the marker code (after any 0xFF fill bytes).
        case marker
        case markerCode
        /// The two bytes of a segment's length, then its remaining payload.
        case lengthHigh(marker: UInt8)
        case lengthLow(marker: UInt8, high: UInt8)
        case payload(marker: UInt8, remaining: Int)
        /// Entropy-coded data after SOS, and the byte after a 0xFF in it.
        case entropy
        case entropyMarker
        case failed(StreamError)
    }

    /// The images every stage accepts are at most this big (`WireProtocol.maxImageBytes`, 32 MiB).
    public static let defaultMaxImageBytes = WireProtocol.maxImageBytes

    /// Largest image accepted before the stream is declared broken.
    public let maxImageBytes: Int
    private var state = State.imageStart
    private var current: [UInt8] = []
    private var scanSeen = false
    /// Stream bytes consumed before the current chunk, for error offsets.
    private var consumed = 0

    public init(maxImageBytes: Int = JPEGStreamSplitter.defaultMaxImageBytes) {
        self.maxImageBytes = maxImageBytes
    }

    /// Bytes of an image not yet complete (never more than `maxImageBytes`).
    public var bufferedByteCount: Int { current.count }

    /// Parses `chunk` and returns the images it completed, in stream order.
    public mutating func append(_ chunk: some Collection<UInt8>) throws(StreamError) -> [[UInt8]] {
        let result =
            chunk.withContiguousStorageIfAvailable { buffer in Result { () throws(StreamError) in try parse(buffer) } }
            ?? Array(chunk).withUnsafeBufferPointer { buffer in Result { () throws(StreamError) in try parse(buffer) } }
        return try result.get()
    }

    /// Checks that the stream ended between images.
    public func finish() throws(StreamError) {
        if case .failed(let error) = state { throw error }
        guard state == .imageStart else { throw .truncated(bufferedBytes: current.count) }
    }

    private mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(StreamError) -> [[UInt8]] {
        if case .failed(let error) = state { throw error }
        var images: [[UInt8]] = []
        var i = 0
        do throws(StreamError) {
            while i < bytes.count {
                let byte = bytes[i]
                var endsImage = false
                switch state {
                case .imageStart:
                    guard byte == 0xFF else { throw .missingStartOfImage(offset: consumed + i, byte: byte) }
                    state = .imageStartCode
                case .imageStartCode:
                    guard byte == 0xD8 else { throw .missingStartOfImage(offset: consumed + i - 1, byte: byte) }
                    state = .marker
                case .marker:
                    guard byte == 0xFF else { throw .missingMarker(offset: consumed + i, byte: byte) }
                    state = .markerCode
                case .markerCode, .entropyMarker:
                    switch byte {
                    case 0xFF:
                        break  // fill byte: the marker code is still to come
                    case 0x00 where state == .entropyMarker, 0xD0...0xD7 where state == .entropyMarker:
                        state = .entropy  // stuffed 0xFF, or a restart marker: the scan continues
                    case 0x01, 0xD0...0xD7:
                        state = .marker  // standalone markers have no length
                    case 0xD9 where scanSeen:
                        endsImage = true
                        state = .imageStart
                    case 0x00, 0xD8, 0xD9:
                        throw .unexpectedMarker(offset: consumed + i - 1, marker: byte)
                    default:
                        state = .lengthHigh(marker: byte)
                    }
                case .lengthHigh(let marker):
                    state = .lengthLow(marker: marker, high: byte)
                case .lengthLow(let marker, let high):
                    let length = Int(high) << 8 | Int(byte)
                    guard length >= 2 else { throw .badSegmentLength(offset: consumed + i - 1, length: length) }
                    state = length == 2 ? afterSegment(marker) : .payload(marker: marker, remaining: length - 2)
                case .payload(let marker, let remaining):
                    // Copied in one piece, bounded so that the size check below stays exact.
                    let take = min(remaining, bytes.count - i, maxImageBytes + 1 - current.count)
                    current.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + take)]))
                    i += take
                    state = take == remaining ? afterSegment(marker) : .payload(marker: marker, remaining: remaining - take)
                    guard current.count <= maxImageBytes else { throw .imageTooLarge(limit: maxImageBytes) }
                    continue
                case .entropy:
                    let available = min(bytes.count - i, maxImageBytes + 1 - current.count)
                    let start = UnsafeRawPointer(bytes.baseAddress! + i)
                    let found = memchr(start, 0xFF, available)
                    let end = found.map { i + start.distance(to: $0) + 1 } ?? i + available
                    current.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<end]))
                    i = end
                    if found != nil { state = .entropyMarker }
                    guard current.count <= maxImageBytes else { throw .imageTooLarge(limit: maxImageBytes) }
                    continue
                case .failed(let error):
                    throw error
                }
                current.append(byte)
                i += 1
                guard current.count <= maxImageBytes else { throw .imageTooLarge(limit: maxImageBytes) }
                if endsImage {
                    images.append(current)
                    current = []
                    current.reserveCapacity(images.last!.count)  // the next frame is about as big
                    scanSeen = false
                }
            }
        } catch {
            state = .failed(error)
            current = []
            throw error
        }
        consumed += bytes.count
        return images
    }

    /// After a segment: entropy-coded data follows a scan header, another marker anything else.
    private mutating func afterSegment(_ marker: UInt8) -> State {
        guard marker == 0xDA else { return .marker }
        scanSeen = true
        return .entropy
    }
}
