/// Moves a value that is not `Sendable` (a model session, a database connection) to the one
/// service thread that uses it from then on. Whoever creates it must not touch the value again.
public final class Handover<Value>: @unchecked Sendable {
    public let value: Value

    public init(_ value: Value) { self.value = value }
}
