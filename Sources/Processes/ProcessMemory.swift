import Foundation

/// A process's memory as Linux reports it in /proc/PID/status.
public enum ProcessMemory {
    public enum Figure: String, Sendable {
        /// `VmRSS`: resident now.
        case resident = "VmRSS"
        /// `VmHWM`: the most it has had resident.
        case peakResident = "VmHWM"
    }

    /// The figure in bytes; nil when the process is gone or the system does not report it.
    public static func bytes(_ figure: Figure, of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(figure.rawValue + ":") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }
}
