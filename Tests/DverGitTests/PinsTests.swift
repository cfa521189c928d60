import DverCore
@testable import DverGit
import DverRepository
import Foundation
import Testing

/// A git repository with a dver project whose data commits are pinned by git commits.
struct PinnedHistory {
    let sandbox: GitSandbox
    let project: Project
    let git: GitProject
    /// (git commit, data commit) per version, oldest first.
    var versions: [(git: String, data: ObjectID)] = []

    init(projectPath: String = "") throws {
        sandbox = try GitSandbox()
        try sandbox.initRepository("r")
        let root = projectPath.isEmpty ? "r" : "r/\(projectPath)"
        try FileManager.default.createDirectory(atPath: sandbox.path(root), withIntermediateDirectories: true)
        project = try Project.initialize(at: sandbox.path(root))
        git = try #require(try GitProject.open(project))
    }

    /// Writes data/raw/a.csv, commits it in dver and commits dver.lock in git.
    mutating func commitVersion(_ text: String) throws {
        let root = git.projectPath.isEmpty ? "r" : "r/\(git.projectPath)"
        try sandbox.write("\(root)/data/raw/a.csv", text)
        _ = try project.add(["data/raw"])
        let result = try project.commit(message: text, gitHead: try git.headForCommit())
        try git.writeLock()
        try git.stageLock()
        try sandbox.git(["commit", "-qm", "pin \(text)"], in: "r")
        versions.append((try git.git.resolveCommit("HEAD"), try #require(result.commits.first?.commit)))
    }
}

@Suite("pins in git history", .enabled(if: gitAvailable, "git is not installed"))
struct PinsTests {
    @Test("dver commits record git HEAD; each git commit's dver.lock pins its data commit")
    func lockAtCommits() throws {
        var history = try PinnedHistory()
        try history.commitVersion("v1\n")
        try history.commitVersion("v2\n")
        let second = try history.project.store.decodeCommit(history.versions[1].data)
        #expect(second.gitHead == history.versions[0].git)
        let first = try history.project.store.decodeCommit(history.versions[0].data)
        #expect(first.gitHead == "")   // unborn HEAD when v1 was committed
        for version in history.versions {
            #expect(try history.git.lock(atCommit: version.git)?.entry(for: "raw")?.commit == version.data)
        }
        let pins = try history.git.pinHistory(from: "HEAD", limit: nil)
        #expect(pins.map(\.commit.id) == history.versions.reversed().map(\.git))
        #expect(pins.allSatisfy { $0.changedPins })
    }

    @Test("pre-push input: the new git commits' pins, hiding what the remote has")
    func pushScan() throws {
        var history = try PinnedHistory(projectPath: "sub")
        for version in ["v1\n", "v2\n", "v3\n"] { try history.commitVersion(version) }
        let zero = String(repeating: "0", count: 40)
        let head = history.versions[2].git
        let scan = PushScan(gitProject: history.git)
        let fresh = try scan.pins(for: PushScan.parse("refs/heads/main \(head) refs/heads/main \(zero)\n"), remote: "origin")
        #expect(fresh.gitCommits == 3)
        #expect(Set(fresh.pins.map(\.commit)) == Set(history.versions.map(\.data)))
        let update = try scan.pins(for: PushScan.parse("refs/heads/main \(head) refs/heads/main \(history.versions[0].git)\n"), remote: "origin")
        #expect(update.gitCommits == 2)
        #expect(Set(update.pins.map(\.commit)) == Set(history.versions[1...].map(\.data)))
        let deletion = try scan.pins(for: PushScan.parse("(delete) \(zero) refs/heads/old \(head)\n"), remote: "origin")
        #expect(deletion.pins.isEmpty)
        #expect(throws: GitError.self) { try PushScan.parse("only three fields\n") }
    }

    @Test("restore: checks out pinned commits, no-op when current, keeps uncommitted changes")
    func restore() throws {
        var history = try PinnedHistory()
        try history.commitVersion("v1\n")
        try history.commitVersion("v2\n")
        let restore = LockRestore(project: history.project)
        let v1 = try #require(try history.git.lock(atCommit: history.versions[0].git))
        let report = try restore.restore(v1)
        #expect(report.restored.map(\.repo) == ["raw"])
        #expect(report.restored.first?.branch == nil)   // main points at v2: detached at v1
        #expect(try history.sandbox.read("r/data/raw/a.csv") == "v1\n")
        #expect(try restore.restore(v1).unchanged == ["raw"])

        try history.sandbox.write("r/data/raw/a.csv", "local edit\n")
        let v2 = try #require(try history.git.lock(atCommit: history.versions[1].git))
        let kept = try restore.restore(v2)
        #expect(kept.kept.map(\.repo) == ["raw"])
        #expect(kept.kept.first?.paths == ["data/raw/a.csv"])
        #expect(try history.sandbox.read("r/data/raw/a.csv") == "local edit\n")
        let forced = try restore.restore(v2, force: true)
        #expect(forced.restored.first?.branch == "main")
        #expect(try history.sandbox.read("r/data/raw/a.csv") == "v2\n")
    }

    @Test("restore recreates a repo the lock pins but the project lacks, and reports commits the store lacks")
    func restoreCreatesAndReportsMissing() throws {
        var history = try PinnedHistory()
        try history.commitVersion("v1\n")
        let lock = try #require(try history.git.lock(atCommit: history.versions[0].git))
        try history.project.deleteRepo(name: "raw")
        try FileManager.default.removeItem(atPath: history.sandbox.path("r/data/raw"))
        let missing = ObjectID(hex: String(repeating: "ab", count: 32))!
        let extended = LockFile(entries: lock.entries + [.init(repo: "gone", branch: "main", commit: missing, path: "data/gone")])
        let report = try LockRestore(project: history.project).restore(extended)
        #expect(report.created == ["raw"])
        #expect(report.missing.map(\.repo) == ["gone"])
        #expect(try history.sandbox.read("r/data/raw/a.csv") == "v1\n")
    }
}
