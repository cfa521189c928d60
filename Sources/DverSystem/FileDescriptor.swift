import CSystemShims
#if canImport(Glibc)
import Glibc
#endif

/// An open file descriptor. Not closed automatically: call `close()`.
public struct FileDescriptor: Sendable {
    public let rawValue: Int32
    public let path: String

    public init(rawValue: Int32, path: String) {
        self.rawValue = rawValue
        self.path = path
    }

    /// - Throws: `SystemError`.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> FileDescriptor {
        let fd = try retryingEINTR("open", path: path) { Glibc.open(path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(rawValue: fd, path: path)
    }

    public static func openForReading(_ path: String) throws -> FileDescriptor {
        try open(path, O_RDONLY)
    }

    public func close() {
        _ = Glibc.close(rawValue)
    }

    /// Reads up to `count` bytes; returns 0 at end of file.
    public func read(into pointer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        try retryingEINTR("read", path: path) { Glibc.read(rawValue, pointer, count) }
    }

    /// Reads until `count` bytes or end of file; returns the bytes read.
    public func readFully(into pointer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var total = 0
        while total < count {
            let got = try read(into: pointer + total, count: count - total)
            if got == 0 { break }
            total += got
        }
        return total
    }

    /// Writes all `count` bytes.
    public func writeAll(_ pointer: UnsafeRawPointer, count: Int) throws {
        var written = 0
        while written < count {
            let result = try retryingEINTR("write", path: path) {
                Glibc.write(rawValue, pointer + written, count - written)
            }
            written += result
        }
    }

    public func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            if let base = buffer.baseAddress { try writeAll(base, count: buffer.count) }
        }
    }

    /// Writes all bytes at `offset` without moving the file position.
    public func pwriteAll(_ pointer: UnsafeRawPointer, count: Int, offset: Int64) throws {
        var written = 0
        while written < count {
            let result = try retryingEINTR("write", path: path) {
                Glibc.pwrite(rawValue, pointer + written, count - written, off_t(offset) + off_t(written))
            }
            written += result
        }
    }

    public func sync() throws {
        _ = try retryingEINTR("fsync", path: path) { Glibc.fsync(rawValue) }
    }

    public func status() throws -> FileStatus {
        var raw = stat()
        _ = try retryingEINTR("fstat", path: path) { Glibc.fstat(rawValue, &raw) }
        return FileStatus(raw)
    }

    public func truncate(to size: Int64) throws {
        _ = try retryingEINTR("ftruncate", path: path) { Glibc.ftruncate(rawValue, off_t(size)) }
    }

    /// Hints sequential access to the kernel (readahead).
    public func adviseSequential() {
        _ = posix_fadvise(rawValue, 0, 0, POSIX_FADV_SEQUENTIAL)
    }
}

extension FileDescriptor {
    /// Starts writeback of a byte range without waiting (sync_file_range WRITE), so a later
    /// fsync finds most of the data already on its way to disk. Advisory: errors are ignored.
    public func startWriteback(offset: Int64, count: Int64) {
        _ = dver_start_writeback(rawValue, offset, count)
    }
}
