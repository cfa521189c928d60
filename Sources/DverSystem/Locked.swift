#if canImport(Glibc)
import Glibc
#endif

/// A value guarded by a plain pthread mutex.
///
/// Used on hot paths instead of `Synchronization.Mutex`, which on Linux is a
/// priority-inheritance futex whose contended path (rt_mutex) cost a fifth of all CPU time when
/// two threads stored many small files.
public final class Locked<Value>: @unchecked Sendable {
    // `value` is only touched between pthread_mutex_lock and pthread_mutex_unlock of `mutex`.
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ value: Value) {
        self.value = value
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
