import Foundation
import Testing
import TextFormats

@Suite struct JSONTextTests {
    /// Every escaped string must read back as itself through Foundation's JSON parser.
    @Test(arguments: [
        "plain", "quote \" and backslash \\", "lines\nand\r\ttabs", "\u{0}\u{1}\u{1F}\u{7F}",
        "\u{2028}\u{2029}", "ünïcödé 😀", ""
    ])
    func roundTripsThroughJSONSerialization(_ text: String) throws {
        let literal = JSONText.string(text)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
        #expect(parsed == [text])
    }

    @Test func controlCharactersAndLineSeparatorsAreEscaped() {
        #expect(JSONText.string("a\u{1}b\u{2028}") == #""a\u0001b\u2028""#)
        #expect(!JSONText.string("x\ny").contains("\n"))
    }

    @Test func numbersAreShortestAndFinite() {
        #expect(JSONText.number(3) == "3")
        #expect(JSONText.number(0.25) == "0.25")
        #expect(JSONText.number(.nan) == "null")
        #expect(JSONText.number(-.infinity) == "null")
    }
}

@Suite struct CSVTextTests {
    @Test func plainFieldsStayAsTheyAre() {
        #expect(CSVText.field("door-camera") == "door-camera")
    }

    @Test(arguments: [
        ("a,b", #""a,b""#), (#"say "hi""#, #""say ""hi""""#), ("two\nlines", "\"two\nlines\""),
        ("crlf\r\n", "\"crlf\r\n\"")
    ])
    func fieldsThatNeedQuotingAreQuoted(_ text: String, _ expected: String) {
        #expect(CSVText.field(text) == expected)
    }
}
