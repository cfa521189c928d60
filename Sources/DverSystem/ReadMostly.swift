/// A value read by many threads at once and replaced rarely, guarded by a `ReadWriteLock`.
///
/// For lookups on hot paths (the store's pack set, a pack's mapping): readers only share the
/// lock, so two threads reading never wait for each other, where `Synchronization.Mutex` (a
/// priority-inheritance futex on Linux) made every collision a trip through the kernel — a
/// third of a push's CPU time.
public final class ReadMostly<Value>: @unchecked Sendable {
    // `value` is read only under `lock`'s read lock and written only under its write lock.
    private var value: Value
    private let lock = ReadWriteLock()

    public init(_ value: Value) {
        self.value = value
    }

    /// A copy of the value.
    public func read() -> Value {
        lock.withReadLock { value }
    }

    /// Runs `body` on the value holding the lock shared.
    public func read<T>(_ body: (Value) throws -> T) rethrows -> T {
        try lock.withReadLock { try body(value) }
    }

    /// Changes the value holding the lock exclusively.
    public func write<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try lock.withWriteLock { try body(&value) }
    }
}
