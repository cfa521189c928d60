import DverCore
@testable import DverGit
import DverRepository
import Foundation
import Testing

/// The one rule for "the checked-out data is what the lock pins" (`LockFile.Entry.isHeld`),
/// as restoring, writing the lock and status use it.
@Suite("dver.lock held by the workspace", .enabled(if: gitAvailable, "git is not installed"))
struct LockHoldingTests {
    @Test("detached at the pinned commit while the pinned branch moved on: held, the lock is kept byte for byte")
    func detachedAfterBranchMoved() throws {
        var history = try PinnedHistory()
        try history.commitVersion("v1\n")
        try history.commitVersion("v2\n")
        let v1 = try #require(try history.git.lock(atCommit: history.versions[0].git))
        #expect(v1.entries.first?.branch == "main")
        _ = try LockRestore(project: history.project).restore(v1)   // main is at v2: detached at v1
        #expect(try history.project.repo(named: "raw").branch == nil)

        #expect(try v1.differences(in: history.project).isEmpty)
        #expect(try LockFile.current(of: history.project, keeping: v1) == v1)
        #expect(try LockFile.current(of: history.project).entries.first?.branch == nil, "without the previous lock: detached")
        #expect(try LockRestore(project: history.project).restore(v1).unchanged == ["raw"])
    }

    @Test("the pinned branch points at the pinned commit but is not checked out: a difference, cleared by restoring")
    func branchNotCheckedOut() throws {
        var history = try PinnedHistory()
        try history.commitVersion("v1\n")
        let lock = try #require(try history.git.lock(atCommit: history.versions[0].git))
        _ = try history.project.checkout(RevisionSpec(parsing: "raw@\(history.versions[0].data.hex)"), force: false)
        let differences = try lock.differences(in: history.project)
        #expect(differences.map(\.repo) == ["raw"])
        #expect(differences.first?.current?.branch == nil)
        #expect(try LockFile.current(of: history.project, keeping: lock).entries.first?.branch == nil,
                "the lock records what is checked out")
        let report = try LockRestore(project: history.project).restore(lock)
        #expect(report.restored.first?.branch == "main")
        #expect(try lock.differences(in: history.project).isEmpty)
    }

    @Test("a repo with no commits keeps its pin when the lock is written, shows as a difference, and restoring creates the pinned branch")
    func repoWithoutCommits() throws {
        var history = try PinnedHistory()
        try history.commitVersion("v1\n")
        let lock = try #require(try history.git.lock(atCommit: history.versions[0].git))
        try history.project.deleteRepo(name: "raw")
        try FileManager.default.removeItem(atPath: history.sandbox.path("r/data/raw"))
        try history.project.createRepo(name: "raw", mount: "data/raw", branch: "main")   // as 'dver init' in a clone

        #expect(try LockFile.current(of: history.project, keeping: lock) == lock, "the pin is not dropped")
        #expect(try LockFile.current(of: history.project).entries.isEmpty)
        let differences = try lock.differences(in: history.project)
        #expect(differences.map(\.repo) == ["raw"] && differences.first?.current == nil && differences.first?.repoExists == true)

        let report = try LockRestore(project: history.project).restore(lock)
        #expect(report.restored.first?.branch == "main", "the pinned branch is created at the pinned commit")
        #expect(try history.project.refs.read(repo: "raw", branch: "main") == history.versions[0].data)
        #expect(try LockFile.current(of: history.project) == lock, "the same lock, byte for byte")
        #expect(try history.sandbox.read("r/data/raw/a.csv") == "v1\n")
    }

    @Test("setUpFromLock creates the pinned repos without data and writes the committed .gitignore block")
    func setUpFromLock() throws {
        var history = try PinnedHistory()
        try history.commitVersion("v1\n")
        try history.git.updateIgnoreFile()
        try history.sandbox.git(["add", ".gitignore"], in: "r")
        try history.sandbox.git(["commit", "-qm", "ignore"], in: "r")
        let committedIgnore = try history.sandbox.read("r/.gitignore")
        let clone = try GitSandbox()
        try clone.git(["clone", "-q", history.sandbox.path("r"), "c"], in: clone.root)
        let project = try Project.initialize(at: clone.path("c"))
        let git = try #require(try GitProject.open(project))
        let setup = try #require(try git.setUpFromLock())
        #expect(setup.created.map(\.name) == ["raw"] && setup.created.first?.branch == "main")
        #expect(setup.failed.isEmpty && !setup.ignoreFileChanged)
        #expect(try clone.read("c/.gitignore") == committedIgnore)
        #expect(try clone.git(["status", "--porcelain"], in: "c").output.isEmpty)
    }
}

@Suite("files git tracks (libgit2 index)", .enabled(if: gitAvailable, "git is not installed"))
struct TrackedFilesTests {
    @Test("under a directory: its files only (not data/raw.csv beside it), a named file, gitlinks left out, conflicts counted once")
    func trackedUnderDirectory() throws {
        let sandbox = try GitSandbox()
        try sandbox.initRepository("r")
        for file in ["data/raw/a.csv", "data/raw/deep/b.csv", "data/raw.csv", "data/raw-x/c.csv", "src/train.py",
                     "data/raw/conflicted.csv"] {
            try sandbox.write("r/\(file)", file)
        }
        try sandbox.git(["add", "-A"], in: "r")
        try sandbox.git(["commit", "-qm", "base"], in: "r")
        // A conflicted file has stages 1–3 in the index and no stage 0.
        try sandbox.git(["checkout", "-qb", "other"], in: "r")
        try sandbox.write("r/data/raw/conflicted.csv", "other")
        try sandbox.git(["commit", "-qam", "other"], in: "r")
        try sandbox.git(["checkout", "-q", "main"], in: "r")
        try sandbox.write("r/data/raw/conflicted.csv", "main")
        try sandbox.git(["commit", "-qam", "main"], in: "r")
        #expect(try sandbox.git(["merge", "-q", "other"], in: "r", check: false).status != 0)
        let blob = try sandbox.git(["hash-object", "-w", "data/raw.csv"], in: "r").output
        try sandbox.git(["update-index", "--add", "--cacheinfo", "160000,\(blob),data/raw/submodule"], in: "r")
        let git = try GitRepository.open(from: sandbox.path("r"))

        let found = try git.trackedFiles(under: ["data/raw", "data/raw.csv", "data/none", ""], sampleLimit: 2)
        #expect(found[0].count == 3, "a.csv, conflicted.csv once, deep/b.csv; not the gitlink nor data/raw.csv")
        #expect(found[0].sample == ["data/raw/a.csv", "data/raw/conflicted.csv"])
        #expect(found[1].count == 1 && found[1].sample == ["data/raw.csv"])
        #expect(found[2].count == 0)
        #expect(found[3].count == 6)
    }

    @Test("project in a subdirectory: paths in and out are project-relative")
    func projectInSubdirectory() throws {
        var history = try PinnedHistory(projectPath: "sub")
        try history.commitVersion("v1\n")
        try history.sandbox.write("r/sub/more/x.csv", "x")
        try history.sandbox.write("r/more/y.csv", "y")
        try history.sandbox.git(["add", "-f", "sub/more/x.csv", "more/y.csv"], in: "r")
        let tracked = try history.git.filesTrackedByGit(under: ["more", "data/raw"])
        #expect(tracked == [GitProject.TrackedByGit(path: "more", count: 1, sample: ["more/x.csv"])])
    }
}
