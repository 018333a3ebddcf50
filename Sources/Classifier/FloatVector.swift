/// The SIMD vectors the kernels are written over. Each operation is implemented for the concrete
/// types, so that generic kernels specialised for them compile to single vector instructions
/// (the generic SIMD mask operations lower to per-lane loops).
protocol FloatVector: SIMD where Scalar == Float {
    /// max(self, 0) per lane.
    func relu() -> Self
    /// max(self, other) per lane.
    func maximum(_ other: Self) -> Self
    static func load(_ pointer: UnsafePointer<Float>) -> Self
    func store(_ pointer: UnsafeMutablePointer<Float>)
}

extension SIMD8: FloatVector where Scalar == Float {
    @inline(__always) func maximum(_ other: Self) -> Self {
        var value = self
        value.replace(with: other, where: other .> value)
        return value
    }

    @inline(__always) func relu() -> Self {
        var value = self
        value.replace(with: 0, where: value .< 0)
        return value
    }

    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
}

extension SIMD16: FloatVector where Scalar == Float {
    @inline(__always) func maximum(_ other: Self) -> Self {
        var value = self
        value.replace(with: other, where: other .> value)
        return value
    }

    @inline(__always) func relu() -> Self {
        var value = self
        value.replace(with: 0, where: value .< 0)
        return value
    }

    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
}
