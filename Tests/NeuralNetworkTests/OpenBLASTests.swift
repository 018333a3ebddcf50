import Foundation
import Testing

@testable import NeuralNetwork

@Suite struct OpenBLASTests {
    @Test func readsTheFlagsOfTheFirstProcessor() {
        let cpuinfo = """
            processor\t: 0
            model name\t: Some CPU
            flags\t\t: fpu sse2 avx2 fma
            processor\t: 1
            flags\t\t: fpu avx512f
            """
        #expect(OpenBLAS.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse2", "avx2", "fma"])
        #expect(OpenBLAS.cpuFlags(cpuinfo: "processor\t: 0\n").isEmpty)
    }

    @Test func choosesTheWidestKernelsTheCPURuns() {
        let avx2: Set = ["sse2", "avx", "avx2", "fma"]
        let avx512 = avx2.union(["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])
        #expect(OpenBLAS.coreType(cpuFlags: avx512) == "SkylakeX")
        #expect(OpenBLAS.coreType(cpuFlags: avx512.subtracting(["avx512bw"])) == "Haswell")
        #expect(OpenBLAS.coreType(cpuFlags: avx2) == "Haswell")
        #expect(OpenBLAS.coreType(cpuFlags: avx2.subtracting(["fma"])) == nil)
    }

    /// The point of loading OpenBLAS ourselves: on a CPU with AVX2 its SSE-era fallback kernels must
    /// not run (they did on an Emerald Rapids Xeon that OpenBLAS 0.3.21 does not know).
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil && OpenBLAS.coreType(cpuFlags: thisCPU) != nil,
            "needs an AVX2 CPU and OpenBLAS's choice left to Moodwire"))
    func loadsKernelsForThisCPU() {
        let flags = Self.thisCPU
        let name = Gemm.kernelName.lowercased()
        for family in ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai"] {
            #expect(!name.hasPrefix(family), "OpenBLAS runs \(Gemm.kernelName) on a CPU with \(flags.filter { $0.hasPrefix("avx") }.sorted())")
        }
        // The library works: a 2x2 product.
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        Gemm.multiply(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
        #expect(c == [19, 22, 43, 50])
    }

    static let thisCPU = OpenBLAS.cpuFlags(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
}
