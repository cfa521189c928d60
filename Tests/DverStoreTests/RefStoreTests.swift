import DverCore
import DverStore
import DverSystem
import Foundation
import Synchronization
import Testing

@Suite("Refs")
struct RefStoreTests {
    static func counter(_ value: UInt64) -> ObjectID { ObjectID(w0: 0, w1: 0, w2: 0, w3: value) }

    @Test("create, compare-and-swap, read, delete")
    func compareAndSwap() throws {
        let fixture = try TemporaryStore()
        let refs = RefStore(layout: fixture.layout)
        #expect(try refs.read(repo: "raw", branch: "main") == nil)
        try refs.update(repo: "raw", branch: "main", to: Self.counter(1), expected: nil)
        #expect(try refs.read(repo: "raw", branch: "main") == Self.counter(1))
        #expect(try FileSystem.readText(fixture.layout.refsDirectory + "/raw/heads/main") == Self.counter(1).hex + "\n")
        try refs.update(repo: "raw", branch: "main", to: Self.counter(2), expected: Self.counter(1))
        #expect(try refs.read(repo: "raw", branch: "main") == Self.counter(2))
        try refs.delete(repo: "raw", branch: "main", expected: Self.counter(2))
        #expect(try refs.read(repo: "raw", branch: "main") == nil)
    }

    @Test("a stale expected value is refConflict and changes nothing",
          arguments: [nil, 1, 7] as [UInt64?])
    func staleExpected(stale: UInt64?) throws {
        let fixture = try TemporaryStore()
        let refs = RefStore(layout: fixture.layout)
        try refs.update(repo: "raw", branch: "main", to: Self.counter(3), expected: nil)
        guard case .refConflict(_, let expected, let actual) = storeError({
            try refs.update(repo: "raw", branch: "main", to: Self.counter(9), expected: stale.map(Self.counter))
        }) else { Issue.record("expected refConflict"); return }
        #expect(expected == stale.map(Self.counter))
        #expect(actual == Self.counter(3))
        #expect(try refs.read(repo: "raw", branch: "main") == Self.counter(3))
        #expect(storeError { try refs.delete(repo: "raw", branch: "main", expected: stale.map(Self.counter)) } != nil)
    }

    @Test("branches lists nested names and hides temporary files; the directories between are not branches")
    func branches() throws {
        let fixture = try TemporaryStore()
        let refs = RefStore(layout: fixture.layout)
        for branch in ["main", "feature/x", "feature/y/z", "v1.0"] {
            try refs.update(repo: "raw", branch: branch, to: Self.counter(1), expected: nil)
        }
        try FileSystem.writeAtomically(fixture.layout.refsDirectory + "/raw/heads/main.tmp-1-2", text: "junk", durable: false)
        #expect(try refs.branches(repo: "raw") == ["feature/x", "feature/y/z", "main", "v1.0"])
        #expect(try refs.branches(repo: "other") == [])
        // The directory holding feature/x is not a branch of its own.
        #expect(try refs.read(repo: "raw", branch: "feature") == nil)
        #expect(try refs.read(repo: "raw", branch: "feature/y") == nil)
        try refs.deleteAll(repo: "raw")
        #expect(try refs.branches(repo: "raw") == [])
    }

    @Test("valid branch names", arguments: ["main", "feature/x", "v1.0", "a_b-c", "release/2024.01", "A9"])
    func validNames(_ name: String) throws {
        try RefStore.validateBranchName(name)
    }

    @Test("invalid branch names", arguments: ["", ".hidden", "-x", "/x", "x/", "a..b", "a//b", "x.lock", "a b",
                                              "é", "a\nb", "a~1", "a:b", "x.tmp-1-2", String(repeating: "b", count: 201)])
    func invalidNames(_ name: String) throws {
        guard case .invalidRefName(name, _) = storeError({ try RefStore.validateBranchName(name) }) else {
            Issue.record("expected invalidRefName"); return
        }
        let fixture = try TemporaryStore()
        #expect(storeError { try RefStore(layout: fixture.layout).update(repo: "raw", branch: name, to: .zero, expected: nil) } != nil)
    }

    @Test("a held refs lock makes other updaters wait, then time out")
    func lockTimeout() throws {
        let fixture = try TemporaryStore()
        let impatient = RefStore(layout: fixture.layout, lockTimeout: 0.2)
        let error = try RefStore(layout: fixture.layout).withLock {
            storeError { try impatient.update(repo: "raw", branch: "main", to: .zero, expected: nil) }
        }
        guard case .lockTimeout = error else { Issue.record("expected lockTimeout"); return }
        try impatient.update(repo: "raw", branch: "main", to: .zero, expected: nil)
    }

    @Test("concurrent read-then-CAS increments never lose an update")
    func concurrentIncrements() throws {
        let fixture = try TemporaryStore()
        let layout = fixture.layout
        try RefStore(layout: layout).update(repo: "raw", branch: "main", to: Self.counter(0), expected: nil)
        let threads = 4, increments = 25
        let conflicts = Mutex(0)
        let failures = Mutex([String]())
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let refs = RefStore(layout: layout)
            for _ in 0..<increments {
                while true {
                    do {
                        let current = try refs.read(repo: "raw", branch: "main") ?? .zero
                        try refs.update(repo: "raw", branch: "main", to: Self.counter(current.w3 + 1), expected: current)
                        break
                    } catch StoreError.refConflict {
                        conflicts.withLock { $0 += 1 }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                        return
                    }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(try RefStore(layout: layout).read(repo: "raw", branch: "main") == Self.counter(UInt64(threads * increments)))
    }
}
