/// SHA-256 (FIPS 180-4), used to compare decoded pixels with the hashes OpenCV's reference script
/// wrote: Foundation on Linux has no digest API. Test support only; checked in SHA256Tests.
///
/// The constants are derived the way the standard defines them (the first 32 fractional bits of
/// the square roots of the first 8 primes and of the cube roots of the first 64 primes), computed
/// exactly with integer roots instead of being typed in.
enum SHA256 {
    static let initialState: [UInt32] = firstPrimes(8).map { fractionalBits(of: $0, root: 2) }
    static let roundConstants: [UInt32] = firstPrimes(64).map { fractionalBits(of: $0, root: 3) }

    /// The 32-byte digest of `message`.
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var state = initialState
        var schedule = [UInt32](repeating: 0, count: 64)
        let fullBlocks = message.count / 64
        message.withUnsafeBufferPointer { bytes in
            for block in 0..<fullBlocks {
                compress(&state, UnsafeBufferPointer(rebasing: bytes[(block * 64)..<(block * 64 + 64)]), &schedule)
            }
        }
        // Padding: the remaining bytes, a 1 bit, zeros up to 56 mod 64, the bit length big-endian.
        var tail = Array(message[(fullBlocks * 64)...])
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        let bitLength = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBufferPointer { bytes in
            for start in stride(from: 0, to: bytes.count, by: 64) {
                compress(&state, UnsafeBufferPointer(rebasing: bytes[start..<(start + 64)]), &schedule)
            }
        }
        return state.flatMap { word in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> UInt32($0)) } }
    }

    /// The digest as 64 lower-case hex digits (as Python's `hexdigest()`).
    static func hex(_ message: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(digest(message).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    static func hex(_ text: String) -> String { hex(Array(text.utf8)) }

    private static func compress(_ state: inout [UInt32], _ block: UnsafeBufferPointer<UInt8>,
                                 _ w: inout [UInt32]) {
        for i in 0..<16 {
            w[i] = UInt32(block[4 * i]) << 24 | UInt32(block[4 * i + 1]) << 16
                | UInt32(block[4 * i + 2]) << 8 | UInt32(block[4 * i + 3])
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        for i in 0..<64 {
            let sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let choose = (e & f) ^ (~e & g)
            let t1 = h &+ sigma1 &+ choose &+ roundConstants[i] &+ w[i]
            let sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            let t2 = sigma0 &+ majority
            h = g; g = f; f = e; e = d &+ t1
            d = c; c = b; b = a; a = t1 &+ t2
        }
        state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
        state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
    }

    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    static func firstPrimes(_ count: Int) -> [Int] {
        var primes: [Int] = []
        var candidate = 2
        while primes.count < count {
            if !primes.contains(where: { candidate % $0 == 0 }) { primes.append(candidate) }
            candidate += 1
        }
        return primes
    }

    /// The first 32 bits of the fractional part of `p^(1/root)`: floor(root-th root of
    /// p * 2^(32 * root)) mod 2^32, found by binary search on exact 128-bit integers.
    static func fractionalBits(of p: Int, root: Int) -> UInt32 {
        precondition(p > 0 && p < 1 << 10 && (root == 2 || root == 3))
        let target = UInt128(p) << (32 * root)
        var low: UInt128 = 0, high: UInt128 = 1 << 40 // the root is below 2^(32 + 4)
        while low < high {
            let middle = (low + high + 1) / 2
            var power: UInt128 = 1
            for _ in 0..<root { power *= middle }
            if power <= target { low = middle } else { high = middle - 1 }
        }
        return UInt32(truncatingIfNeeded: low)
    }
}
