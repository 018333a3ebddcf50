import Testing

@testable import Imaging
@testable import PipelineProtocol

@Suite("Wire protocol")
struct WireProtocolTests {
    let header = FrameHeader(
        kind: .frame, flags: .acknowledged, source: "camera-1", seq: 1 << 40 + 7,
        capturedAt: 1_764_000_000_123_456, width: 640, height: 480)

    @Test func headerRoundTripsEveryField() throws {
        var full = header
        full.faceCount = 3
        full.detectMicros = 41_000
        full.classifyMicros = 900
        let bytes = full.encoded()
        #expect(bytes.count == WireProtocol.fixedHeaderSize + 8)
        #expect(Array(bytes[0..<4]) == Array("MOOD".utf8))
        #expect(try FrameHeader.decode(bytes) == full)
    }

    @Test func headerLayoutIsLittleEndianAtTheDocumentedOffsets() {
        let bytes = header.encoded()
        #expect(bytes[4] == 2)  // version
        #expect(bytes[5] == MessageKind.frame.rawValue)
        #expect(bytes[6] == 1 && bytes[7] == 0)  // flags
        #expect(Array(bytes[8..<16]) == [7, 0, 0, 0, 0, 1, 0, 0])  // seq
        #expect(Array(bytes[24..<28]) == [0x80, 2, 0, 0])  // width 640
        #expect(Array(bytes[44..<46]) == [8, 0])  // source length
        #expect(String(decoding: bytes[46...], as: UTF8.self) == "camera-1")
    }

    @Test func theSourceIdIsFoundWithoutDecoding() {
        let bytes = header.encoded()
        #expect(FrameHeader.encodedSource(bytes).map { Array($0) } == Array("camera-1".utf8))
        #expect(FrameHeader.encodedSource(Array(bytes.dropLast())) == nil)
        #expect(FrameHeader.encodedSource(Array(bytes.prefix(WireProtocol.fixedHeaderSize))) == nil)
        #expect(FrameHeader.encodedSource(Array(bytes.prefix(20))) == nil)
    }

    /// A BlazeFace face (score, keypoints, one of them outside the frame) and a Haar face (neither).
    static let faces = [
        DetectedFace(
            box: PixelRect(x: 1, y: 2, width: 30, height: 31), score: 0.875,
            keypoints: (0..<6).map { FramePoint(x: Float($0) * 5.25 - 3, y: 12.5 + Float($0)) }),
        DetectedFace(box: PixelRect(x: 0, y: 0, width: 64, height: 64))
    ]

    @Test func resultsRoundTrip() throws {
        let probabilities: [Float] = (0..<14).map { Float($0) / 91 }
        let message = ResultsMessage(header: header, faces: Self.faces, probabilities: probabilities)
        #expect(message.parts[1].count == 2 * 68)
        let decoded = try ResultsMessage(parts: message.parts)
        #expect(decoded == message)
        #expect(decoded.faces[0].score == 0.875 && decoded.faces[0].keypoints[0] == FramePoint(x: -3, y: 12.5))
        #expect(decoded.faces[1].score == nil && decoded.faces[1].keypoints.isEmpty)
        #expect(decoded.header.kind == .results)
        #expect(decoded.header.faceCount == 2)
        #expect(Array(decoded.probabilities(ofFace: 1)) == Array(probabilities[7..<14]))
    }

    @Test(arguments: [64, 48, 1, WireProtocol.maxCropSide])
    func facesRoundTripWithCropsOfTheModelsSide(_ side: Int) throws {
        let crops = (0..<(2 * side * side)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let message = FacesMessage(header: header, faces: Self.faces, crops: crops, cropSide: side)
        let decoded = try FacesMessage(parts: message.parts)
        #expect(decoded.faces == message.faces)
        #expect(decoded.cropSide == side)
        #expect(decoded.crop(1).width == side && decoded.crop(1).height == side)
        #expect(decoded.crop(1).pixels == Array(crops[(side * side)...]))
    }

    @Test func faceCropsThatAreNotSquaresOfTheFaceCountAreRefused() {
        let message = FacesMessage(
            header: header, faces: Self.faces, crops: [UInt8](repeating: 9, count: 2 * 64 * 64), cropSide: 64)
        func fault(_ crops: [UInt8]) -> String? {
            var parts = message.parts
            parts[2] = crops
            do {
                _ = try FacesMessage(parts: parts)
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(fault(message.parts[2]) == nil)
        #expect(fault(Array(message.parts[2].dropLast())) == "inconsistent_parts")  // not two equal crops
        #expect(fault([UInt8](repeating: 9, count: 2 * 60 * 61)) == "inconsistent_parts")  // not square
        #expect(fault([]) == "inconsistent_parts")
        let side = WireProtocol.maxCropSide + 1
        #expect(fault([UInt8](repeating: 9, count: 2 * side * side)) == "inconsistent_parts")
        #expect(fault([UInt8](repeating: 9, count: WireProtocol.maxCropBytes + 2)) == "oversized_part")
    }

    @Test func zeroFaceMessagesAreValid() throws {
        let message = ResultsMessage(header: header, faces: [], probabilities: [])
        let decoded = try ResultsMessage(parts: message.parts)
        #expect(decoded.faces.isEmpty && decoded.header.faceCount == 0)
    }

    @Test func malformedMessagesAreRefusedByKind() {
        let frame = FrameMessage(header: header, image: [0xFF, 0xD8, 0xFF]).parts
        func fault(_ parts: [[UInt8]]) -> String? {
            do {
                _ = try FrameMessage(parts: parts)
                return nil
            } catch {
                return error.kind
            }
        }
        #expect(fault(frame) == nil)
        #expect(fault([frame[0]]) == "wrong_part_count")
        #expect(fault(frame + [[1]]) == "wrong_part_count")
        #expect(fault([]) == "wrong_part_count")
        #expect(fault([Array(frame[0].prefix(20)), frame[1]]) == "bad_header")
        var badMagic = frame[0]
        badMagic[0] = UInt8(ascii: "X")
        #expect(fault([badMagic, frame[1]]) == "bad_header")
        var badVersion = frame[0]
        badVersion[4] = 9
        #expect(fault([badVersion, frame[1]]) == "bad_version")
        var badKind = frame[0]
        badKind[5] = 3
        #expect(fault([badKind, frame[1]]) == "unexpected_kind")
        var wrongLength = frame[0]
        wrongLength[44] = 200
        #expect(fault([wrongLength, frame[1]]) == "bad_header")
        #expect(fault([frame[0], [UInt8](repeating: 0, count: WireProtocol.maxImageBytes + 1)]) == "oversized_part")
        #expect(fault([frame[0], []]) == "inconsistent_parts")
    }

    @Test func inconsistentPayloadSizesAreRefused() {
        let message = ResultsMessage(
            header: header, faces: [Self.faces[0]], probabilities: [Float](repeating: 1.0 / 7, count: 7))
        var parts = message.parts
        parts[2].removeLast()
        #expect(throws: MalformedMessage.self) { try ResultsMessage(parts: parts) }
        parts = message.parts
        parts[1] += [0, 0, 0, 0]
        #expect(throws: MalformedMessage.self) { try ResultsMessage(parts: parts) }
        // A probability outside [0, 1] (here NaN) is refused, not stored.
        parts = message.parts
        parts[2].replaceSubrange(0..<4, with: [0, 0, 0xC0, 0x7F])
        #expect(throws: MalformedMessage.self) { try ResultsMessage(parts: parts) }
        // So is a score above 1, a negative box and keypoints half present.
        for (offset, bytes) in [(16, [0, 0, 0x80, 0x40]), (8, [0xFF, 0xFF, 0xFF, 0xFF]), (20, [0, 0, 0xC0, 0x7F])] as [(Int, [UInt8])] {
            parts = message.parts
            parts[1].replaceSubrange(offset..<(offset + 4), with: bytes)
            #expect(throws: MalformedMessage.self, "face bytes \(offset)") { try ResultsMessage(parts: parts) }
        }
    }

    @Test func nonUTF8SourceIsRefused() {
        var bytes = header.encoded()
        bytes[bytes.count - 1] = 0xFF
        #expect(throws: MalformedMessage.badHeader("source id is not UTF-8")) { try FrameHeader.decode(bytes) }
    }
}

@Suite("Wire protocol acknowledgements")
struct AckMessageTests {
    @Test func ackCarriesTheCommittedResults() throws {
        let header = FrameHeader(kind: .results, source: "cam", seq: 12, capturedAt: 5, width: 8, height: 8)
        let results = ResultsMessage(
            header: header, faces: [WireProtocolTests.faces[0]], probabilities: [0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1])
        let parts = AckMessage(results: results).parts
        #expect(try FrameHeader.decode(parts[0]).kind == .ack)
        let decoded = try AckMessage(parts: parts)
        #expect(decoded.results == results)
        #expect(decoded.header.seq == 12 && decoded.header.faceCount == 1)
        // A results message is not an acknowledgement.
        #expect(throws: MalformedMessage.unexpectedKind(MessageKind.results.rawValue)) { try AckMessage(parts: results.parts) }
    }
}
