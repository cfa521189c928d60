#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock (flock) on a lock file, exclusive or shared. Waits rather than failing;
/// released when the process dies, so a killed dver never leaves a stale lock.
public final class FileLock {
    public enum Failure: Error, Sendable {
        case timedOut(path: String, seconds: Double)
        case system(SystemError)
    }

    private let fd: FileDescriptor
    public let path: String

    /// Acquires the lock, waiting up to `timeout` seconds; `onWait` runs once if the lock is busy.
    /// Shared holders exclude only an exclusive one.
    /// - Throws: `FileLock.Failure`.
    public init(path: String, timeout: Double, shared: Bool = false, onWait: (() -> Void)? = nil) throws {
        let operation = shared ? LOCK_SH : LOCK_EX
        self.path = path
        do {
            fd = try FileDescriptor.open(path, O_RDWR | O_CREAT, mode: 0o644)
        } catch let error as SystemError {
            throw Failure.system(error)
        }
        if flock(fd.rawValue, operation | LOCK_NB) == 0 { return }
        onWait?()
        var waited = 0.0
        var delay = 0.002
        while flock(fd.rawValue, operation | LOCK_NB) != 0 {
            let code = errno
            if code != EWOULDBLOCK && code != EINTR {
                fd.close()
                throw Failure.system(SystemError("flock", path: path, errno: code))
            }
            if waited >= timeout {
                fd.close()
                throw Failure.timedOut(path: path, seconds: timeout)
            }
            usleep(useconds_t(delay * 1_000_000))
            waited += delay
            delay = Swift.min(delay * 2, 0.1)
        }
    }

    /// Releases the lock.
    public func unlock() {
        flock(fd.rawValue, LOCK_UN)
        fd.close()
    }
}
