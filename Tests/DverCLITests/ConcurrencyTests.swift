import DverCore
import Dispatch
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several dver processes on one project: no lost update, no corrupt ref, waiting locks.
@Suite("concurrent processes")
struct ConcurrencyTests {
    private static let rounds = 5

    /// A project whose repo `raw` has one commit, "base", holding `base.csv`.
    private static func projectWithBaseCommit() throws -> TestProject {
        let project = try TestProject()
        try project.write("data/raw/base.csv", "base\n")
        project.run(["add", "data/raw"])
        project.run(["commit", "-m", "base"])
        return project
    }

    @Test("two commits started together: one records the staged changes, the other finds nothing")
    func simultaneousCommits() throws {
        let project = try Self.projectWithBaseCommit()
        var committed = ["base"]
        for round in 0..<Self.rounds {
            try project.write("data/raw/file-\(round).csv", "round \(round)\n")
            try project.append("data/raw/base.csv", "\(round)\n")
            project.run(["add", "data/raw"])
            let messages = ["left \(round)", "right \(round)"]
            let running = try messages.map { try project.start(["commit", "-m", $0]) }
            let results = try running.map { try $0.wait() }
            for (message, result) in zip(messages, results) {
                #expect(result.status == 0 || (result.status == 1 && result.stderr.contains("nothing to commit")),
                        "round \(round): \(result)")
                if result.status == 0 { committed.append(message) }
            }
            #expect(results.contains { $0.status == 0 }, "round \(round): neither commit succeeded")
        }
        try expectConsistentHistory(project, messages: committed)
        #expect(try addedPaths(project).sorted() == ["data/raw/base.csv"] + (0..<Self.rounds).map { "data/raw/file-\($0).csv" })
    }

    @Test("two add+commit pipelines on different files of one repo")
    func simultaneousPipelines() throws {
        let project = try Self.projectWithBaseCommit()
        var committed = ["base"]
        for round in 0..<Self.rounds {
            let sides = ["left", "right"]
            for side in sides { try project.write("data/raw/\(side)-\(round).csv", "\(side) \(round)\n") }
            // Each pipeline runs on its own thread; expectations are checked back on the test's.
            let outcomes = Mutex([(message: String, add: DverResult, commit: DverResult)]())
            DispatchQueue.concurrentPerform(iterations: sides.count) { index in
                let add = project.run(["add", "data/raw/\(sides[index])-\(round).csv"], expect: nil)
                let message = "\(sides[index]) \(round)"
                let commit = project.run(["commit", "-m", message], expect: nil)
                outcomes.withLock { $0.append((message, add, commit)) }
            }
            for outcome in outcomes.withLock({ $0 }) {
                #expect(outcome.add.status == 0, "round \(round): \(outcome.add)")
                #expect(outcome.commit.status == 0
                        || (outcome.commit.status == 1 && outcome.commit.stderr.contains("nothing to commit")),
                        "round \(round): \(outcome.commit)")
                if outcome.commit.status == 0 { committed.append(outcome.message) }
            }
        }
        try expectConsistentHistory(project, messages: committed)
        let expected = ["data/raw/base.csv"] + (0..<Self.rounds).flatMap { ["data/raw/left-\($0).csv", "data/raw/right-\($0).csv"] }
        #expect(try addedPaths(project).sorted() == expected.sorted())
        #expect(project.run(["status"]).stdout.contains("nothing to commit, workspace clean"))
    }

    @Test("a held workspace lock: add times out with exit 4 under DVER_LOCK_TIMEOUT, and waits otherwise")
    func lockTimeoutAndWaiting() throws {
        let project = try TestProject()
        try project.write("data/raw/a.csv", "1\n")
        let lockPath = project.path(".dver/locks/workspace.lock")
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(flock(fd, LOCK_EX) == 0)

        let started = Date()
        let timedOut = project.run(["add", "data/raw"], expect: 4, environment: ["DVER_LOCK_TIMEOUT": "0.5"])
        #expect(Date().timeIntervalSince(started) >= 0.45, "dver gave up without waiting")
        #expect(timedOut.stderr.contains("timed out after 0.5 s"), "\(timedOut)")
        #expect(timedOut.stderr.contains("workspace.lock"))
        #expect(project.run(["status"]).stdout.contains("No repos yet"), "the timed-out add must change nothing")

        let waiting = try project.start(["add", "data/raw"], environment: ["DVER_LOCK_TIMEOUT": "60"])
        usleep(600_000)
        #expect(waiting.isRunning, "add should wait for the lock")
        #expect(flock(fd, LOCK_UN) == 0)
        let result = try waiting.wait()
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("waiting for another dver process"), "\(result)")
        #expect(project.run(["status"]).stdout.contains("added    data/raw/a.csv"))

        // Commit waits the same way; status never blocks on the lock.
        try #require(flock(fd, LOCK_EX) == 0)
        project.run(["status"], timeout: 10)
        project.run(["commit", "-m", "x"], expect: 4, environment: ["DVER_LOCK_TIMEOUT": "0.2"])
        #expect(flock(fd, LOCK_UN) == 0)
        project.run(["commit", "-m", "x"])
    }

    /// The branch ref is a commit id, `dver log` lists each successful commit exactly once, and
    /// fsck is clean.
    private func expectConsistentHistory(_ project: TestProject, messages: [String],
                                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ref = try String(contentsOfFile: project.path(".dver/refs/raw/heads/main"), encoding: .utf8)
        let head = ref.trimmingCharacters(in: .newlines)
        #expect(ObjectID(hex: head) != nil && ref.hasSuffix("\n"), "ref holds '\(ref)'", sourceLocation: sourceLocation)
        #expect(project.run(["cat-object", "-t", head]).stdout == "commit\n", sourceLocation: sourceLocation)
        let log = try project.run(["log", "raw", "--json"]).jsonArray()
        #expect(log.first?["id"] as? String == head, sourceLocation: sourceLocation)
        #expect(log.compactMap { $0["message"] as? String }.sorted() == messages.sorted(), sourceLocation: sourceLocation)
        project.run(["fsck"], sourceLocation: sourceLocation)
    }

    /// Every path that some commit of `raw@main` added, once per commit that added it.
    private func addedPaths(_ project: TestProject) throws -> [String] {
        var paths = [String]()
        for entry in try project.run(["log", "raw", "--json"]).jsonArray() {
            let id = try #require(entry["id"] as? String)
            guard let parent = (entry["parents"] as? [String])?.first else {
                paths += try project.run(["ls", "-r", "--json", "raw@\(id)"]).jsonArray().compactMap { $0["path"] as? String }
                    .map { "data/raw/\($0)" }
                continue
            }
            let diff = try project.run(["diff", "--json", "raw@\(parent)", "raw@\(id)"]).jsonArray()
            paths += diff.filter { $0["change"] as? String == "added" }.compactMap { $0["path"] as? String }
        }
        return paths
    }
}
