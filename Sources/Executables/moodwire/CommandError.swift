/// An error in what the user asked for that is found while running (a missing source, a missing
/// sample): printed as "Error: message" without the usage text that ArgumentParser adds to
/// validation errors.
struct CommandError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
