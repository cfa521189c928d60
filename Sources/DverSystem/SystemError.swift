/// DverSystem: thin typed wrappers over the POSIX calls dver needs (files, directories, mmap,
/// flock). errno is read in exactly one place, `retryingEINTR`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the call, the path it was about, and errno.
public struct SystemError: Error, Equatable, Sendable {
    public let operation: String
    public let path: String
    public let errno: Int32

    public init(_ operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var isNotFound: Bool { errno == ENOENT }
    public var isNoSpace: Bool { errno == ENOSPC || errno == EDQUOT }
    public var isPermission: Bool { errno == EACCES || errno == EPERM || errno == EROFS }
}

extension SystemError: CustomStringConvertible {
    public var description: String {
        let reason = String(cString: strerror(errno))
        var text = "\(operation) '\(path)': \(reason)"
        if isNoSpace {
            text += " (free some disk space and retry; nothing was committed)"
        } else if isPermission {
            text += " (check the file's permissions and ownership)"
        }
        return text
    }
}

/// Runs `body` until it returns something other than -1 with errno EINTR.
/// - Throws: `SystemError` carrying errno when `body` fails.
@inline(__always)
public func retryingEINTR<T: FixedWidthInteger>(_ operation: String, path: String,
                                                _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code != EINTR { throw SystemError(operation, path: path, errno: code) }
    }
}
