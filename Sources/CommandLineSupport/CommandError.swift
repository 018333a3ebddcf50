/// An error in what the user asked for that is found while running (a missing source, a missing
/// sample, a benchmark's tool): printed as "Error: message" without the usage text that
/// ArgumentParser adds to validation errors.
public struct CommandError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
