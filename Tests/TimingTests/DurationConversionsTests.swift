import Testing

@testable import Timing

@Suite("Duration conversions")
struct DurationConversionsTests {
    @Test func timeoutsCountWholeSecondsAndRoundUp() {
        #expect(Duration.milliseconds(1500).timeoutMilliseconds == 1500)
        #expect(Duration.microseconds(200).timeoutMilliseconds == 1)
        #expect(Duration.zero.timeoutMilliseconds == 0)
        #expect(Duration.milliseconds(-5).timeoutMilliseconds == 0)
        #expect(Duration.seconds(10_000_000).timeoutMilliseconds == Int32.max)
    }

    @Test func secondsAndWireMicroseconds() {
        #expect(Duration.milliseconds(2250).inSeconds == 2.25)
        #expect(Duration.milliseconds(2250).wireMicroseconds == 2_250_000)
        #expect(Duration.nanoseconds(1999).wireMicroseconds == 1)
        #expect(Duration.seconds(1_000_000).wireMicroseconds == UInt32.max)
    }
}
