import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// OpenBLAS, loaded with `dlopen` on first use instead of linked, so that its kernel family can be
/// chosen before it initialises. OpenBLAS picks the family once, in its load-time constructor, from
/// a table of CPU models it knows; a CPU newer than the library (Debian 12 ships 0.3.21, which does
/// not know Sapphire or Emerald Rapids) gets its SSE3 "Prescott" kernels, 4-5 times slower than
/// its AVX-512 ones. Loading it ourselves lets `OPENBLAS_CORETYPE` be set from the instruction set
/// extensions the kernel reports (which also covers unknown AVX2 CPUs); a value the user set wins.
struct OpenBLAS: @unchecked Sendable {
    // The CBLAS ABI: enums are C ints, blasint is a 32-bit int in Debian's builds.
    typealias Sgemm =
        @convention(c) (
            Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
            Float, UnsafeMutablePointer<Float>?, Int32
        ) -> Void
    static let rowMajor: Int32 = 101
    static let noTranspose: Int32 = 111
    static let transpose: Int32 = 112

    let sgemm: Sgemm
    let setThreadCount: @convention(c) (Int32) -> Void
    let coreName: @convention(c) () -> UnsafeMutablePointer<CChar>?
    /// Why this kernel family: chosen from the CPU's features, or set by the user.
    let coreTypeSource: String

    /// The library soname Debian's libopenblas0 packages provide.
    static let soname = "libopenblas.so.0"

    static let shared: OpenBLAS = {
        let environment = ProcessInfo.processInfo.environment
        var source = "OPENBLAS_CORETYPE=\(environment["OPENBLAS_CORETYPE"] ?? "") set by the user"
        if environment["OPENBLAS_CORETYPE"] == nil {
            let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)).map(cpuFlags(cpuinfo:)) ?? []
            if let coreType = coreType(cpuFlags: flags) {
                setenv("OPENBLAS_CORETYPE", coreType, 0)
                source = "chosen from the CPU's features"
            } else {
                source = "OpenBLAS's own choice"
            }
        }
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_GLOBAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown error"
            fatalError("cannot load OpenBLAS (\(reason)); install it with apt-get install libopenblas0")
        }
        func symbol<T>(_ name: String, as type: T.Type) -> T {
            guard let address = dlsym(handle, name) else { fatalError("\(soname) has no \(name)") }
            return unsafeBitCast(address, to: type)
        }
        return OpenBLAS(
            sgemm: symbol("cblas_sgemm", as: Sgemm.self),
            setThreadCount: symbol("openblas_set_num_threads", as: (@convention(c) (Int32) -> Void).self),
            coreName: symbol("openblas_get_corename", as: (@convention(c) () -> UnsafeMutablePointer<CChar>?).self),
            coreTypeSource: source)
    }()

    /// The flags of the first processor in `/proc/cpuinfo`.
    static func cpuFlags(cpuinfo: String) -> Set<String> {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The OpenBLAS family whose single-precision kernels these extensions run: its AVX-512 kernels
    /// ("SkylakeX") or its AVX2 + FMA ones ("Haswell", which OpenBLAS's Zen family also uses); nil
    /// (OpenBLAS decides) on older CPUs.
    static func coreType(cpuFlags flags: Set<String>) -> String? {
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }
}
