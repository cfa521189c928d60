#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of a whole file, unmapped when released.
public final class MappedFile: Sendable {
    public let path: String
    public let count: Int
    // Immutable after init; the mapping is read-only, so sharing across threads is safe.
    nonisolated(unsafe) private let base: UnsafeRawPointer?

    /// - Throws: `SystemError` when the file cannot be opened or mapped.
    public init(path: String) throws {
        let fd = try FileDescriptor.openForReading(path)
        defer { fd.close() }
        let size = Int(try fd.status().size)
        self.path = path
        self.count = size
        if size == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, fd.rawValue, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw SystemError("mmap", path: path, errno: errno)
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

}
