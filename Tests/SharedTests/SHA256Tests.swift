import Foundation
import Testing

/// The test-support SHA-256 must itself be right before it can judge decoded pixels.
@Suite struct SHA256Tests {
    // FIPS 180-2, appendix B (also the NIST CSRC example values).
    @Test func nistOneBlockMessage() {
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func nistTwoBlockMessage() {
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func nistMillionAs() {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func emptyMessage() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// Lengths around the padding boundaries (55/56 and 63/64 bytes mod 64), against the system's
    /// sha256sum run at test time.
    @Test(.enabled(if: systemSHA256Tool != nil, "needs sha256sum or shasum to cross-check against"))
    func paddingBoundariesMatchSystemTool() throws {
        let tool = try #require(systemSHA256Tool)
        for length in [1, 2, 54, 55, 56, 57, 63, 64, 65, 111, 119, 120, 121, 127, 128, 129, 1000, 4097] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
            let reference = try systemSHA256(message, tool: tool)
            #expect(SHA256.hex(message) == reference, "message of \(length) bytes")
        }
    }
}

/// sha256sum (Linux) or shasum (macOS), with the arguments that select SHA-256.
private let systemSHA256Tool: (path: String, arguments: [String])? = {
    for candidate in [("/usr/bin/sha256sum", []), ("/bin/sha256sum", []), ("/usr/bin/shasum", ["-a", "256"])]
    where FileManager.default.isExecutableFile(atPath: candidate.0) {
        return (candidate.0, candidate.1)
    }
    return nil
}()

private func systemSHA256(_ message: [UInt8], tool: (path: String, arguments: [String])) throws -> String {
    let folder = try makeTemporaryFolder()
    defer { removeTemporaryFolder(folder) }
    let file = folder.appendingPathComponent("message")
    try Data(message).write(to: file)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool.path)
    process.arguments = tool.arguments + [file.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(tool.path) failed")
    return String(text.prefix { !$0.isWhitespace })
}
