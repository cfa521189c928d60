import Foundation
import Testing

/// Git and dver must not get in each other's way: a clone set up by the documented recipe
/// leaves `git status` clean, `dver add` refuses data git tracks, and a checkout that restored
/// the pinned data raises no "dver.lock differs" alarm (issue 12, "Git safety").
@Suite("git safety (real git, hooks firing)", .enabled(if: gitIsInstalled, "git is not installed"))
struct GitSafetyTests {
    /// `git status --porcelain`, which must be empty whenever data and store are out of git's way.
    static func porcelain(_ project: TestProject, in directory: String? = nil) throws -> String {
        try project.git(["status", "--porcelain"], in: directory).stdout
    }

    @Test("fresh clone, docs/GIT.md's recipe: init sets up the pinned repos, checkout --git fetches, git status stays clean")
    func freshClone() throws {
        // Project A: git + dver + hooks + a directory remote; data pushed with git push (pre-push).
        let upstream = try TestProject()
        try upstream.gitInit()
        upstream.run(["hooks", "install", "-q"])
        let dataRemote = upstream.outside + "/data-remote"
        upstream.run(["remote", "add", "-q", "origin", dataRemote])
        let v1 = try GitWorkflowTests.commitVersion(upstream, 1)
        let bare = upstream.outside + "/project.git"
        try upstream.git(["init", "-q", "--bare", "-b", "main", bare])
        try upstream.git(["remote", "add", "origin", bare])
        try upstream.git(["push", "-q", "origin", "main"])
        let committedLock = try upstream.git(["show", "HEAD:dver.lock"]).stdout

        // B: git clone, then the recipe, with git status checked after every step.
        let clone = try TestProject(initialize: false)
        try clone.git(["clone", "-q", bare, "."])
        let initialized = clone.run(["init"])
        #expect(initialized.stdout.contains("Set up 1 repo from dver.lock"), "\(initialized)")
        #expect(initialized.stdout.contains("raw at data/raw/ (branch main)"))
        #expect(try Self.porcelain(clone).isEmpty, "dver init writes the committed .gitignore block")
        #expect(!clone.exists(".git/hooks/pre-commit"), "dver init installs nothing into git")
        let before = clone.run(["status"]).stdout
        #expect(before.contains("raw: dver.lock pins") && before.contains("nothing checked out yet (the pin is kept)"), "\(before)")

        clone.run(["remote", "add", "-q", "origin", dataRemote])
        #expect(try Self.porcelain(clone).isEmpty)
        let restored = clone.run(["checkout", "--git", "HEAD"])
        #expect(restored.stderr.contains("fetched"), "checkout --git fetches what the store lacks: \(restored)")
        #expect(restored.stdout.contains("restored to branch main"), "\(restored)")
        #expect(try clone.hashes(under: "data/raw") == v1.hashes)
        #expect(try Self.porcelain(clone).isEmpty, "the restored data is ignored")
        #expect(!clone.run(["status"]).stdout.contains("dver.lock differs"))

        let installed = clone.run(["hooks", "install"])
        #expect(!installed.stdout.contains("dver.lock     written"), "\(installed)")
        #expect(try String(decoding: clone.read("dver.lock"), as: UTF8.self) == committedLock, "same data, same lock")
        #expect(try Self.porcelain(clone).isEmpty)

        // The next git operations work: a pull brings v2's pins, a checkout goes back to v1.
        let v2 = try GitWorkflowTests.commitVersion(upstream, 2)
        try upstream.git(["push", "-q", "origin", "main"])
        try clone.git(["pull", "-q", "origin", "main"])
        #expect(try clone.gitRevision("HEAD") == v2.git)
        #expect(try clone.hashes(under: "data/raw") == v2.hashes)
        #expect(try Self.porcelain(clone).isEmpty)
        try clone.git(["checkout", "-q", v1.git])
        #expect(try clone.hashes(under: "data/raw") == v1.hashes)
        #expect(try Self.porcelain(clone).isEmpty)
        try clone.git(["checkout", "-q", "main"])
        #expect(try clone.hashes(under: "data/raw") == v2.hashes)
        #expect(try Self.porcelain(clone).isEmpty)
        #expect(!clone.run(["status"]).stdout.contains("dver.lock differs"))
    }

    @Test("dver add refuses paths git tracks files under, naming them and the fix; after the fix git leaves the data alone")
    func addRefusesGitTrackedFiles() throws {
        let project = try TestProject(initialize: false)
        try project.gitInit()
        project.run(["init", "-q"])
        for index in 0..<12 { try project.write("data/raw/part-\(index).csv", "\(index)\n") }
        try project.write("data/raw/deep/x.csv", "x\n")
        try project.write("train.py", "print(1)\n")
        try project.git(["add", "-A"])
        let ignoreBefore = try project.read(".gitignore")

        let refused = project.run(["add", "data/raw"], expect: 1)
        #expect(refused.stderr.contains("git tracks 13 files under data/raw"), "\(refused)")
        #expect(refused.stderr.contains("    data/raw/deep/x.csv") && refused.stderr.contains("... and 3 more"))
        #expect(refused.stderr.contains("'git rm -r -q --cached data/raw'"))
        #expect(try project.run(["repo", "list", "--json"]).jsonArray().isEmpty, "nothing was created or staged")
        #expect(try project.read(".gitignore") == ignoreBefore)

        // One tracked file named directly, and paths given from a subdirectory.
        #expect(project.run(["add", "data/raw/part-1.csv"], expect: 1).stderr.contains("git tracks 1 file under data/raw/part-1.csv"))
        let fromData = project.run(["add", "raw"], expect: 1, in: "data")
        #expect(fromData.stderr.contains("'git rm -r -q --cached raw'"), "the fix is relative to where the user is: \(fromData)")

        try project.git(["rm", "-r", "-q", "--cached", "data/raw"])
        project.run(["add", "-q", "data/raw"])
        try project.git(["add", "-A"])
        let staged = try Self.porcelain(project).split(separator: "\n").map(String.init).sorted()
        #expect(staged == ["A  .gitignore", "A  train.py"], "the data stays out of git")
        #expect(try project.read(".gitignore") != ignoreBefore, "dver's block lists the new repo")

        // A path above repo mounts ('dver add .') is checked at the mounts it adds.
        try project.write("data/raw/late.csv", "late\n")
        try project.git(["add", "-f", "data/raw/late.csv"])
        let all = project.run(["add", "."], expect: 1)
        #expect(all.stderr.contains("git tracks 1 file under data/raw"), "\(all)")
        #expect(!all.stderr.contains("train.py"), "code outside the repos is git's business")
    }

    @Test("git checkout of a commit whose pins were restored detached (the branch moved on): no 'dver.lock differs', and a code commit keeps the lock")
    func noFalseLockDifference() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install", "-q"])
        let v1 = try GitWorkflowTests.commitVersion(project, 1)
        try project.git(["tag", "v1.0"])
        _ = try GitWorkflowTests.commitVersion(project, 2)

        try project.git(["checkout", "-q", "v1.0"])
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
        let status = project.run(["status"]).stdout
        #expect(!status.contains("dver.lock differs"), "\(status)")
        #expect(project.run(["checkout", "--git", "HEAD"]).stdout.contains("already at the commit HEAD pins"))

        // A code-only commit on a branch from v1.0 pins the same data with the same bytes.
        try project.git(["checkout", "-q", "-b", "fix"])
        try project.write("train.py", "print(2)\n")
        try project.git(["add", "train.py"])
        try project.git(["commit", "-q", "-m", "fix"])
        #expect(try project.git(["diff", "--stat", "v1.0", "HEAD", "--", "dver.lock"]).stdout.isEmpty)
        #expect(try Self.porcelain(project).isEmpty)

        // A real difference is still reported, and its advice clears it.
        project.run(["checkout", "-q", "raw@main"])
        #expect(try Self.porcelain(project) == " M dver.lock\n")
        try project.git(["checkout", "-q", "dver.lock"])
        #expect(project.run(["status"]).stdout.contains("raw: dver.lock pins"))
        project.run(["checkout", "--git", "HEAD"])
        #expect(!project.run(["status"]).stdout.contains("dver.lock differs"))
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
    }
}
