import DverCore
import DverRepository
import DverStore
import DverSystem
import Dispatch
import Synchronization
import Testing

@Suite("concurrency: two writers, one branch")
struct ConcurrencyTests {
    /// Runs `body` on `count` threads at once and returns what each returned.
    static func concurrently<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) -> [Result<T, any Error>] {
        let results = Mutex([Result<T, any Error>?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { worker in
            let result = Result { try body(worker) }
            results.withLock { $0[worker] = result }
        }
        return results.withLock { $0.compactMap { $0 } }
    }

    static func isNothingToCommit(_ error: any Error) -> Bool {
        if case RepositoryError.nothingToCommit = error { return true }
        return false
    }

    @Test("two projects commit staged files at once: one commits, the other has nothing left")
    func commitRace() throws {
        let ws = try Workspace.make(["data/raw/base.csv": "0\n"])
        try ws.add("data/raw")
        try ws.commit("base")
        let base = try ws.commitID("raw")
        let projects = [try ws.openAgain(), try ws.openAgain()]
        try ws.write("data/raw/a.csv", "a\n")
        try ws.write("data/raw/b.csv", "b\n")
        try projects[0].add(["data/raw/a.csv"])
        try projects[1].add(["data/raw/b.csv"])

        let results = Self.concurrently(2) { try projects[$0].commit(message: "writer \($0)") }
        let commits = results.compactMap { try? $0.get() }
        #expect(commits.count == 1)
        for case .failure(let error) in results { #expect(Self.isNothingToCommit(error), "\(error)") }

        let log = try ws.project.log(RevisionSpec(parsing: "raw"))
        #expect(log.map(\.id) == [try #require(commits.first?.commits.first?.commit), base])
        #expect(try ws.files("raw").keys.sorted() == ["data/raw/a.csv", "data/raw/b.csv", "data/raw/base.csv"])
        #expect(try ws.status("raw").isClean)
    }

    @Test("two long-lived projects interleave add and commit without losing an update", .timeLimit(.minutes(2)))
    func interleavedWriters() throws {
        let ws = try Workspace.make(["data/raw/base.csv": "0\n"])
        try ws.add("data/raw")
        try ws.commit("base")
        let projects = [try ws.openAgain(), try ws.openAgain()]
        let root = ws.root
        let rounds = 6

        let results = Self.concurrently(2) { worker -> Int in
            var committed = 0
            for round in 0..<rounds {
                let path = "data/raw/w\(worker)-\(round).csv"
                try FileSystem.writeAtomically("\(root)/\(path)", text: "\(worker) \(round)\n", durable: false)
                try projects[worker].add([path])
                do {
                    committed += try projects[worker].commit(message: "w\(worker) r\(round)").commits.count
                } catch where Self.isNothingToCommit(error) {
                    continue  // the other writer committed this file with its own
                }
            }
            return committed
        }
        var total = 0
        for result in results { total += try result.get() }

        let log = try ws.project.log(RevisionSpec(parsing: "raw"))
        #expect(log.count == total + 1, "every commit is on the branch's first-parent chain")
        let files = try ws.files("raw")
        for worker in 0..<2 {
            for round in 0..<rounds { #expect(files["data/raw/w\(worker)-\(round).csv"] != nil) }
        }
        #expect(try ws.status("raw").isClean)
        let report = try ws.openAgain().fsck()
        #expect(report.isHealthy, "\(report.errors)")
    }

    @Test("a project that stays open sees commits made by another one")
    func staleProject() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        try ws.commit("first")
        let other = try ws.openAgain()
        try ws.write("data/raw/a.csv", "2\n")
        try other.add(["data/raw"])
        let second = try #require(try other.commit(message: "by the other project").commits.first?.commit)

        #expect(try ws.checkout("raw@\(second.hex.prefix(12))").commit == second, "ids found by prefix")
        #expect(try ws.checkout("raw@main").branch == "main")
        #expect(try ws.status("raw").head == second)
        #expect(try ws.status("raw").isClean)
        #expect(try ws.project.log(RevisionSpec(parsing: "raw")).count == 2)
        try ws.write("data/raw/a.csv", "3\n")
        try ws.add("data/raw")
        let third = try #require(try ws.commit("on top").commits.first)
        #expect(third.parent == second)
        #expect(try ws.project.log(RevisionSpec(parsing: "raw")).count == 3)
    }

    @Test("fsck of a project opened before another one committed reports no false damage")
    func staleFsck() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        try ws.commit("first")
        let other = try ws.openAgain()
        try ws.write("data/raw/b.csv", "2\n")
        try other.add(["data/raw"])
        try other.commit(message: "by the other project")
        let report = try ws.project.fsck()
        #expect(report.isHealthy, "\(report.errors)")
        #expect(report.commitsChecked == 2)
        #expect(report.packsChecked == (try ws.openAgain()).store.packIndexes.count, "new packs are verified too")
    }

    @Test("a ref update whose expected value is stale is refConflict and changes nothing")
    func refCompareAndSwap() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        let first = try #require(try ws.commit().commits.first?.commit)
        try ws.write("data/raw/a.csv", "2\n")
        try ws.add("data/raw")
        let second = try #require(try ws.commit().commits.first?.commit)

        let refs = ws.project.refs
        let conflict = expectThrows({ try refs.update(repo: "raw", branch: "main", to: first, expected: first) }) {
            (error: StoreError) in if case .refConflict(let ref, let expected, let actual) = error { (ref, expected, actual) } else { nil }
        }
        #expect(conflict?.0 == "raw@main")
        #expect(conflict?.1 == first)
        #expect(conflict?.2 == second)
        #expect(try refs.read(repo: "raw", branch: "main") == second)

        expectThrows({ try refs.update(repo: "raw", branch: "main", to: first, expected: nil) }) { (error: StoreError) in
            if case .refConflict = error { true } else { nil }
        }
        expectThrows({ try refs.delete(repo: "raw", branch: "main", expected: first) }) { (error: StoreError) in
            if case .refConflict = error { true } else { nil }
        }
        try refs.update(repo: "raw", branch: "main", to: first, expected: second)
        #expect(try refs.read(repo: "raw", branch: "main") == first)
    }

    @Test("concurrent compare-and-swap updates from one expected value: exactly one wins")
    func refRace() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        let start = try #require(try ws.commit().commits.first?.commit)
        let targets = (0..<8).map { SHA256.hash("target \($0)") }
        let refs = ws.project.refs
        let results = Self.concurrently(targets.count) { try refs.update(repo: "raw", branch: "main", to: targets[$0], expected: start) }
        #expect(results.filter { (try? $0.get()) != nil }.count == 1)
        let winner = try #require(results.firstIndex { (try? $0.get()) != nil })
        #expect(try refs.read(repo: "raw", branch: "main") == targets[winner])
        for case .failure(let error) in results {
            guard case StoreError.refConflict = error else { Issue.record("unexpected \(error)"); continue }
        }
    }
}
