import DverCore
@testable import DverGit
import DverRepository
import Foundation
import Testing

@Suite("libgit2 repository access (real git repositories)", .enabled(if: gitAvailable, "git is not installed"))
struct GitRepositoryTests {
    @Test("unborn HEAD, then a branch, then detached")
    func headStates() throws {
        let sandbox = try GitSandbox()
        try sandbox.initRepository("r")
        let unborn = try GitRepository.open(from: sandbox.path("r"))
        #expect(try unborn.head() == .unborn(branch: "main"))
        #expect(unborn.state == .none)
        try sandbox.write("r/a.txt", "a\n")
        try sandbox.git(["add", "a.txt"], in: "r")
        try sandbox.git(["commit", "-qm", "one"], in: "r")
        let sha = try sandbox.git(["rev-parse", "HEAD"], in: "r").output
        let repository = try GitRepository.open(from: sandbox.path("r"))
        #expect(try repository.head() == .branch("main", commit: sha))
        #expect(try repository.resolveCommit("main") == sha)
        #expect(try repository.blob(commit: sha, path: "a.txt") == Array("a\n".utf8))
        #expect(try repository.blob(commit: sha, path: "missing") == nil)
        try sandbox.git(["checkout", "-q", "--detach"], in: "r")
        #expect(try GitRepository.open(from: sandbox.path("r")).head() == .detached(commit: sha))
        #expect(throws: GitError.unknownRevision("nope")) { try repository.resolveCommit("nope") }
    }

    @Test("no repository: discover returns nil")
    func noRepository() throws {
        let sandbox = try GitSandbox()
        try FileManager.default.createDirectory(atPath: sandbox.path("plain"), withIntermediateDirectories: true)
        // The sandbox lives in the temporary directory, which is not inside a git repository.
        #expect(try GitRepository.discover(from: sandbox.path("plain")) == nil)
    }

    @Test("hooks directory: default, core.hooksPath relative and absolute, and a linked worktree shares them")
    func hooksDirectory() throws {
        let sandbox = try GitSandbox()
        try sandbox.initRepository("r")
        try sandbox.write("r/a.txt", "a\n")
        try sandbox.git(["add", "a.txt"], in: "r")
        try sandbox.git(["commit", "-qm", "one"], in: "r")
        let repository = try GitRepository.open(from: sandbox.path("r/"))
        #expect(try repository.hooksDirectory() == sandbox.path("r/.git/hooks"))
        try sandbox.git(["worktree", "add", "-q", "-b", "feature", sandbox.path("wt")], in: "r")
        let worktree = try GitRepository.open(from: sandbox.path("wt"))
        #expect(worktree.workTree == sandbox.path("wt"))
        #expect(worktree.commonDirectory == sandbox.path("r/.git"))
        #expect(worktree.gitDirectory == sandbox.path("r/.git/worktrees/wt"))
        #expect(try worktree.hooksDirectory() == sandbox.path("r/.git/hooks"))
        #expect(try worktree.head() == .branch("feature", commit: try repository.resolveCommit("HEAD")))
        try sandbox.git(["config", "core.hooksPath", "githooks"], in: "r")
        #expect(try GitRepository.open(from: sandbox.path("r")).hooksDirectory() == sandbox.path("r/githooks"))
        try sandbox.git(["config", "core.hooksPath", sandbox.path("shared-hooks")], in: "r")
        #expect(try GitRepository.open(from: sandbox.path("r")).hooksDirectory() == sandbox.path("shared-hooks"))
    }

    @Test("a rebase stopped on a conflict is reported as in progress")
    func rebaseState() throws {
        let sandbox = try GitSandbox()
        try sandbox.initRepository("r")
        try sandbox.write("r/a.txt", "base\n")
        try sandbox.git(["add", "a.txt"], in: "r")
        try sandbox.git(["commit", "-qm", "base"], in: "r")
        try sandbox.git(["checkout", "-q", "-b", "side"], in: "r")
        try sandbox.write("r/a.txt", "side\n")
        try sandbox.git(["commit", "-qam", "side"], in: "r")
        try sandbox.git(["checkout", "-q", "main"], in: "r")
        try sandbox.write("r/a.txt", "main\n")
        try sandbox.git(["commit", "-qam", "main"], in: "r")
        let rebase = try sandbox.git(["rebase", "side"], in: "r", check: false)
        #expect(rebase.status != 0)
        #expect(try GitRepository.open(from: sandbox.path("r")).state == .rebase)
        try sandbox.git(["rebase", "--abort"], in: "r")
        #expect(try GitRepository.open(from: sandbox.path("r")).state == .none)
    }

    @Test("stage adds a file to git's index like 'git add'")
    func stage() throws {
        let sandbox = try GitSandbox()
        try sandbox.initRepository("r")
        try sandbox.write("r/sub/dver.lock", "dver-lock 1\n")
        try GitRepository.open(from: sandbox.path("r")).stage("sub/dver.lock")
        #expect(try sandbox.git(["status", "--porcelain"], in: "r").output == "A  sub/dver.lock")
    }

    @Test("merge driver config and attributes are written and removed")
    func mergeDriver() throws {
        let sandbox = try GitSandbox()
        try sandbox.initRepository("r/proj")
        try FileManager.default.removeItem(atPath: sandbox.path("r/proj/.git"))
        try sandbox.initRepository("r")
        let project = try Project.initialize(at: sandbox.path("r/proj"))
        let git = try #require(try GitProject.open(project))
        #expect(git.projectPath == "proj")
        try git.installMergeDriver()
        #expect(try sandbox.git(["config", "merge.dver-lock.driver"], in: "r").output == "dver hooks merge-lock --project 'proj' %O %A %B")
        #expect(try sandbox.git(["check-attr", "merge", "proj/dver.lock"], in: "r").output == "proj/dver.lock: merge: dver-lock")
        try git.uninstallMergeDriver()
        #expect(try sandbox.git(["config", "merge.dver-lock.driver"], in: "r", check: false).status != 0)
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("r/proj/.gitattributes")))
    }
}

@Suite("libgit2 and submodules", .enabled(if: gitAvailable, "git is not installed"))
struct SubmoduleTests {
    @Test("a submodule's .git file is followed to its git directory under the superproject")
    func submodule() throws {
        let sandbox = try GitSandbox()
        try sandbox.initRepository("inner")
        try sandbox.write("inner/x.txt", "x\n")
        try sandbox.git(["add", "x.txt"], in: "inner")
        try sandbox.git(["commit", "-qm", "inner"], in: "inner")
        try sandbox.initRepository("outer")
        try sandbox.git(["-c", "protocol.file.allow=always", "submodule", "add", "-q", sandbox.path("inner"), "sub"], in: "outer")
        let repository = try GitRepository.open(from: sandbox.path("outer/sub"))
        #expect(repository.workTree == sandbox.path("outer/sub"))
        #expect(repository.gitDirectory == sandbox.path("outer/.git/modules/sub"))
        #expect(try repository.hooksDirectory() == sandbox.path("outer/.git/modules/sub/hooks"))
        #expect(try repository.head().commit == sandbox.git(["rev-parse", "HEAD"], in: "inner").output)
    }
}
