import DverCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGKILL at arbitrary moments of `add` and `commit` must leave a store that fsck accepts,
/// keeps every earlier commit intact, and accepts the next add and commit.
@Suite("crash safety (SIGKILL)")
struct CrashSafetyTests {
    /// One recorded commit: its id and the SHA-256 of every file it holds.
    private struct Snapshot {
        let id: String
        let files: [String: String]
    }

    private static let iterations = 12
    private static let bigSize = 64 << 20

    /// About 25 s on 2 cores (debug build); most of it is checking out and hashing 64 MiB.
    @Test("SIGKILL during add or commit, 12 seeded delays of 5–400 ms")
    func killedAddsAndCommits() throws {
        let project = try TestProject()
        var random = SeededGenerator(seed: 0xC4A5_11FE)
        var big = random.mixture(Self.bigSize)
        try project.write("data/big/mix.bin", big)
        try project.write("data/big/notes.txt", "notes\n")
        project.run(["add", "data/big"])
        var snapshots = [try commit(project, message: "baseline")]
        var killedMidway = 0
        var outcomes = [String]()

        for iteration in 0..<Self.iterations {
            // New work: a rewritten 1 MiB region of the big file, sometimes a longer tail, a new file.
            let region = 1 << 20
            let offset = Int(random.next() % UInt64(big.count - region))
            big.replaceSubrange(offset..<(offset + region), with: random.bytes(region))
            if iteration % 3 == 0 { big += random.text(256 << 10) }
            try project.write("data/big/mix.bin", big)
            try project.write("data/big/part-\(iteration).txt", random.text(20_000))

            let killCommit = iteration % 2 == 1
            if killCommit { project.run(["add", "data/big"]) }
            // A commit of staged work takes tens of milliseconds, an add of 64 MiB hundreds.
            let delay = 5 + Int(random.next() % (killCommit ? 56 : 396))
            let victim = try project.start(killCommit ? ["commit", "-m", "killed \(iteration)"] : ["add", "data/big"])
            usleep(useconds_t(delay * 1000))
            victim.kill(SIGKILL)
            let outcome = try victim.wait()
            let label = "iteration \(iteration): \(killCommit ? "commit" : "add") killed after \(delay) ms"
            #expect((outcome.signaled && outcome.status == SIGKILL) || outcome.status == 0, "\(label): \(outcome)")
            if outcome.signaled { killedMidway += 1 }
            outcomes.append("\(killCommit ? "commit" : "add")@\(delay)ms:\(outcome.signaled ? "killed" : "finished")")

            let fsck = project.run(["fsck"])
            #expect(!fsck.stdout.contains("error:"), "\(label): \(fsck)")

            // The next add and commit succeed and record the workspace.
            try project.write("data/big/after-\(iteration).txt", "recovered \(iteration)\n")
            project.run(["add", "data/big"])
            snapshots.append(try commit(project, message: "after \(iteration)"))
            #expect(project.run(["status"]).stdout.contains("nothing to commit"), "\(label)")

            // An earlier commit and the new head both check out byte for byte.
            let earlier = snapshots[Int(random.next() % UInt64(snapshots.count - 1))]
            try expectCheckout(project, revision: "big@\(earlier.id)", equals: earlier, label)
            try expectCheckout(project, revision: "big@main", equals: snapshots[snapshots.count - 1], label)
        }

        for snapshot in snapshots {
            try expectCheckout(project, revision: "big@\(snapshot.id)", equals: snapshot, "final pass")
        }
        project.run(["checkout", "big@main"])
        let log = try project.run(["log", "big", "--json"]).jsonArray().compactMap { $0["id"] as? String }
        #expect(Set(snapshots.map(\.id)).isSubset(of: Set(log)))
        project.run(["fsck"])
        #expect(killedMidway >= 3, "only \(killedMidway) kills landed while dver ran: \(outcomes)")
    }

    private func commit(_ project: TestProject, message: String,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> Snapshot {
        let result = try project.run(["commit", "--json", "-m", message], sourceLocation: sourceLocation).jsonObject()
        let commits = try #require(result["commits"] as? [[String: Any]], sourceLocation: sourceLocation)
        let id = try #require(commits.first?["commit"] as? String, sourceLocation: sourceLocation)
        return Snapshot(id: id, files: try project.hashes(under: "data/big"))
    }

    private func expectCheckout(_ project: TestProject, revision: String, equals snapshot: Snapshot, _ label: String,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        project.run(["checkout", "-q", revision], sourceLocation: sourceLocation)
        let files = try project.hashes(under: "data/big")
        #expect(files == snapshot.files, "\(label): checkout \(revision) differs", sourceLocation: sourceLocation)
    }
}
