import ArgumentParser
import Processes
import Testing

/// `moodwire up` does not restart a stage that ends with the usage status: a command line that
/// ArgumentParser refuses must end with it.
@Suite struct ExitStatusTests {
    @Test func aRefusedCommandLineEndsWithTheUsageStatus() {
        #expect(ExitCode.validationFailure.rawValue == SysexitsStatus.usage.rawValue)
    }
}
