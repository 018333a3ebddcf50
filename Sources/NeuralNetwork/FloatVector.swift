/// The SIMD vectors the kernels are written over. Each operation is implemented for the concrete
/// types, so that generic kernels specialised for them compile to single vector instructions
/// (the generic SIMD mask operations lower to per-lane loops).
protocol FloatVector: SIMD where Scalar == Float {
    /// max(self, 0) per lane.
    func relu() -> Self
    /// max(self, other) per lane.
    func maximum(_ other: Self) -> Self
    /// Loads from a 16-byte aligned address (every buffer the kernels read is: arenas, packed
    /// weights and channel runs in multiples of 8 floats). Read through a typed pointer, it is a
    /// plain vector load that always inlines; the raw-pointer `load` functions stop being inlined
    /// inside large kernels and become calls.
    static func load(_ pointer: UnsafePointer<Float>) -> Self
    func store(_ pointer: UnsafeMutablePointer<Float>)
}

extension SIMD4: FloatVector where Scalar == Float {
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
        UnsafeRawPointer(pointer).assumingMemoryBound(to: Self.self).pointee
    }

    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
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
        UnsafeRawPointer(pointer).assumingMemoryBound(to: Self.self).pointee
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
        UnsafeRawPointer(pointer).assumingMemoryBound(to: Self.self).pointee
    }

    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }
}
