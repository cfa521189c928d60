import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What happens on SIGINT (Ctrl-C) and SIGTERM once `install` has run: the registered actions
/// run (newest first), the registered temporary files are removed, and the process then dies of
/// the signal as it would have without a handler. A second signal during the cleanup ends the
/// process at once. Before `install` (library use, tests) registering does nothing.
///
/// The signal handler itself only writes the signal number to a pipe (async-signal-safe); a
/// watcher thread does the work, so actions may take locks, write files and wait.
public enum InterruptCleanup {
    /// Identifies a registered action, to remove it again.
    public struct Token: Hashable, Sendable {
        fileprivate let value: Int
    }

    private struct State {
        var temporaryFiles = Set<String>()
        var actions = [(token: Int, action: @Sendable (Int32) -> Void)]()
        var nextToken = 0
    }

    private static let state = Locked(State())
    /// The write end of the pipe the signal handler writes to (-1 before `install`).
    private static let signalPipe = Atomic<Int32>(-1)
    private static let installed = Atomic<Bool>(false)
    /// Held shared by critical sections, exclusively by the cleanup before it removes files.
    private static let criticalSections = ReadWriteLock()

    /// Installs the handlers for SIGINT and SIGTERM (once per process; later calls do nothing).
    public static func install() {
        guard installed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }  // not inherited by datums' processes
        signalPipe.store(ends[1], ordering: .releasing)
        let reader = ends[0]
        let thread = Thread { watch(reader) }
        thread.stackSize = 1 << 20
        thread.start()
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM] {
            let previous = signal(number) { received in
                var byte = UInt8(truncatingIfNeeded: received)
                _ = write(InterruptCleanup.signalPipe.load(ordering: .acquiring), &byte, 1)
            }
            // An ignored signal stays ignored (a shell starts background commands so, that
            // Ctrl-C meant for the foreground leaves them alone).
            if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                signal(number, SIG_IGN)
            } else {
                sigaddset(&signals, number)
            }
        }
        // A parent may have started dver with these signals blocked (the mask is inherited).
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// Removes `path` if the process is interrupted before `unregisterTemporary(path)`.
    public static func registerTemporary(_ path: String) {
        guard installed.load(ordering: .relaxed) else { return }
        state.withLock { _ = $0.temporaryFiles.insert(path) }
    }

    public static func unregisterTemporary(_ path: String) {
        guard installed.load(ordering: .relaxed) else { return }
        state.withLock { _ = $0.temporaryFiles.remove(path) }
    }

    /// Runs `body` so that an interruption's cleanup waits for it to end: for steps that must not
    /// be cut apart by the removal of temporary files (a pack renamed into place, then its
    /// index written). Critical sections must not nest.
    public static func deferringInterruption<T>(_ body: () throws -> T) rethrows -> T {
        guard installed.load(ordering: .relaxed) else { return try body() }
        return try criticalSections.withReadLock(body)
    }

    /// Runs `action` (with the signal number) on interruption, before temporary files are
    /// removed. It runs while the other threads still run: it must take the locks it needs.
    @discardableResult
    public static func addAction(_ action: @escaping @Sendable (_ signal: Int32) -> Void) -> Token {
        state.withLock { state in
            state.nextToken += 1
            state.actions.append((state.nextToken, action))
            return Token(value: state.nextToken)
        }
    }

    public static func removeAction(_ token: Token) {
        state.withLock { $0.actions.removeAll { $0.token == token.value } }
    }

    private static func watch(_ reader: Int32) {
        var byte: UInt8 = 0
        while true {
            let count = read(reader, &byte, 1)
            if count == 1 { break }
            if count < 0, errno == EINTR { continue }
            return
        }
        let number = Int32(byte)
        // From now on a second Ctrl-C ends the process without waiting for the cleanup.
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        let actions = state.withLock { $0.actions }
        for entry in actions.reversed() { entry.action(number) }
        // Never released: critical sections that have not started yet never start.
        criticalSections.withWriteLock { state.withLock { state in
            for path in state.temporaryFiles { unlink(path) }
            // Still holding the lock: a thread about to register another temporary file (and
            // then create it) waits here until the process has ended.
            die(of: number)
        } }
    }

    /// Ends the process by `number` with its default action, as if no handler had been installed.
    private static func die(of number: Int32) -> Never {
        signal(number, SIG_DFL)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, number)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        raise(number)
        _exit(128 + number)
    }
}
