/// An immutable float array on 64-byte boundaries, so that 16-lane vector loads never straddle
/// two cache lines (a split load costs about twice as much).
final class AlignedFloats: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ values: [Float]) {
        count = values.count
        pointer = Self.allocate(max(count, 1))
        pointer.initialize(from: values, count: count)
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    /// Zeroed, 64-byte aligned memory for `count` floats; free it with
    /// `UnsafeMutableRawPointer(pointer).deallocate()`.
    static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        let floats = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        floats.initialize(repeating: 0, count: max(count, 1))
        return floats
    }
}
