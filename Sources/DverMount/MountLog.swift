import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The mount's log: one line per event (mounted, a failed read naming the object and why,
/// unmounted with totals), each written with a single `write` to a descriptor opened for
/// appending, so lines from concurrent readers never interleave. Stderr of the foreground
/// process, or `--log FILE` (where a background mount writes by default).
public final class MountLog: Sendable {
    private let descriptor: Int32

    /// A log on an open descriptor (2 for stderr); it is not closed.
    public init(descriptor: Int32) { self.descriptor = descriptor }

    /// Writes "YYYY-MM-DDTHH:MM:SSZ dver mount[PID]: TEXT".
    public func line(_ text: String) {
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(secondsFromGMT: 0) ?? .current,
                                                formatOptions: [.withInternetDateTime])
        var bytes = Array("\(stamp) dver mount[\(getpid())]: \(text)\n".utf8)
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var written = 0
            while written < buffer.count {
                let result = write(descriptor, base + written, buffer.count - written)
                if result < 0, errno == EINTR { continue }
                guard result > 0 else { return }
                written += result
            }
        }
    }
}
