import Foundation

/// Runs numbered work items on a fixed number of threads, for work that waits (transfers on
/// the network, pipeline datums on their containers, reads of files that are not cached), so
/// the count is not tied to the number of cores. The first error stops the remaining items
/// from starting and is rethrown once every running item has returned.
public enum ParallelWork {
    /// Runs `body(0..<count)` on up to `workers` threads (inline when one is enough).
    /// - Throws: the first error `body` threw.
    public static func run(_ count: Int, workers: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        guard count > 0 else { return }
        if count == 1 || workers <= 1 {
            for position in 0..<count { try body(position) }
            return
        }
        let state = Locked<(next: Int, error: (any Error)?)>((0, nil))
        let group = DispatchGroup()
        for _ in 0..<min(workers, count) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while true {
                    let position: Int? = state.withLock { state in
                        guard state.error == nil, state.next < count else { return nil }
                        defer { state.next += 1 }
                        return state.next
                    }
                    guard let position else { return }
                    do { try body(position) } catch {
                        state.withLock { if $0.error == nil { $0.error = error } }
                        return
                    }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        if let error = state.withLock({ $0.error }) { throw error }
    }
}
