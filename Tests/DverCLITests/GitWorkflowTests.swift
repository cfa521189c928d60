import DverCore
import Foundation
import Testing

/// End to end with the real `git` command line: hooks installed by `dver hooks install` fire
/// as git runs them, and file bytes are checked after every checkout.
@Suite("git workflow (real git, hooks firing)", .enabled(if: gitIsInstalled, "git is not installed"))
struct GitWorkflowTests {
    /// Data version `n` of a repo: one multi-chunk file, one small file, and a file only some versions have.
    static func writeVersion(_ project: TestProject, _ n: UInt64, mount: String = "data/raw") throws {
        var random = SeededGenerator(seed: 100 + n)
        try project.write("\(mount)/big.bin", random.mixture(300_000 + Int(n) * 1000, block: 50_000))
        try project.write("\(mount)/a.csv", "version,\(n)\n")
        if n % 2 == 0 { try project.write("\(mount)/even.txt", "even \(n)\n") } else if project.exists("\(mount)/even.txt") {
            try project.remove("\(mount)/even.txt")
        }
    }

    /// dver add + commit, then `git add -A && git commit`; returns (git commit, data hashes).
    static func commitVersion(_ project: TestProject, _ n: UInt64, mount: String = "data/raw", in directory: String? = nil) throws
        -> (git: String, hashes: [String: String]) {
        try writeVersion(project, n, mount: mount)
        project.run(["add", "-q", mount], in: directory)
        project.run(["commit", "-q", "-m", "data v\(n)"], in: directory)
        try project.git(["add", "-A"], in: directory)
        try project.git(["commit", "-q", "-m", "train v\(n)"], in: directory)
        return (try project.gitRevision("HEAD", in: directory), try project.hashes(under: mount))
    }

    @Test("the issue's flow: install, pin v1 and v2, git checkout back and forth, checkout --git, log --git, status, uninstall")
    func fullFlow() throws {
        let project = try TestProject()
        try project.gitInit()
        let install = project.run(["hooks", "install"])
        #expect(install.stdout.contains("pre-commit    created"))
        let v1 = try Self.commitVersion(project, 1)
        let lockAtV1 = try project.git(["show", "HEAD:dver.lock"]).stdout
        let dataV1 = try #require(try project.run(["log", "raw", "--json"]).jsonArray().first?["id"] as? String)
        #expect(lockAtV1.contains("raw main \(dataV1) data/raw"))
        #expect(try project.git(["ls-files"]).text.split(separator: "\n").sorted() == [".gitattributes", ".gitignore", "dver.lock"])

        let v2 = try Self.commitVersion(project, 2)
        #expect(v1.hashes != v2.hashes)
        let logV2 = try #require(try project.run(["log", "raw", "--json"]).jsonArray().first)
        #expect(logV2["git_head"] as? String == v1.git, "a dver commit records the git HEAD it was made on")

        try project.git(["checkout", "-q", v1.git])          // detached HEAD
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
        #expect(!project.exists("data/raw/even.txt"))
        try project.git(["checkout", "-q", "main"])
        #expect(try project.hashes(under: "data/raw") == v2.hashes)
        #expect(project.run(["status"]).stdout.contains("nothing to commit"))

        project.run(["checkout", "--git", v1.git])
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
        #expect(try project.gitRevision("HEAD") == v2.git, "checkout --git does not move git's HEAD")
        #expect(try project.git(["status", "--porcelain"]).text.isEmpty, "nor touch git's files")
        let status = project.run(["status"]).stdout
        #expect(status.contains("dver.lock differs from the checked-out data"), "\(status)")
        #expect(status.contains("raw: dver.lock pins"))
        project.run(["checkout", "--git", "HEAD"])
        #expect(try project.hashes(under: "data/raw") == v2.hashes)
        #expect(!project.run(["status"]).stdout.contains("dver.lock differs"))

        let log = project.run(["log", "--git"]).stdout
        #expect(log.contains("git \(v2.git.prefix(12))  train v2"))
        #expect(log.contains("git \(v1.git.prefix(12))  train v1"))
        let logJSON = try project.run(["log", "--git", "--json"]).jsonArray()
        #expect(logJSON.map { $0["git_commit"] as? String } == [v2.git, v1.git])

        project.run(["hooks", "uninstall"])
        for hook in ["pre-commit", "post-checkout", "post-merge", "post-rewrite", "pre-push"] {
            #expect(!project.exists(".git/hooks/\(hook)"), "\(hook) held only dver's block")
        }
        #expect(try project.git(["config", "merge.dver-lock.driver"], expect: nil).status != 0)
        try project.git(["checkout", "-q", v1.git])
        #expect(try project.hashes(under: "data/raw") == v2.hashes, "without hooks git checkout leaves data alone")
    }

    @Test("a dver.lock committed with --no-verify that mounts a repo at .git/hooks is refused: no hook is written")
    func hostileLockMount() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        let v1 = try Self.commitVersion(project, 1)
        let hooksBefore = try project.hashes(under: ".git/hooks")
        // An attacker's commit: the lock pins v1's data commit under a new repo name at .git/hooks.
        let lock = try project.git(["show", "HEAD:dver.lock"]).stdout
        let pinned = try #require(lock.split(separator: "\n").first { $0.hasPrefix("raw main ") }).split(separator: " ")[2]
        try project.write("dver.lock", lock + "hooks main \(pinned) .git/hooks\n")
        try project.git(["add", "dver.lock"])
        try project.git(["commit", "-q", "--no-verify", "-m", "evil"])
        try project.git(["checkout", "-q", v1.git])
        try project.git(["checkout", "-q", "main"])   // post-checkout reads the hostile lock
        let restore = project.run(["checkout", "--git", "HEAD"], expect: nil)
        #expect(restore.status != 0 && restore.stderr.contains("mount '.git/hooks'"), "\(restore)")
        #expect(try project.hashes(under: ".git/hooks") == hooksBefore, "nothing was written into .git/hooks")
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
    }

    @Test("an existing hook keeps running after install, and uninstall gives it back unchanged")
    func chainsExistingHook() throws {
        let project = try TestProject()
        try project.gitInit()
        let userHook = "#!/bin/sh\necho \"$1 $2\" >> \"$(git rev-parse --git-dir)/user-hook-ran\"\nexit 0\n"
        try project.write(".git/hooks/post-checkout", userHook)
        chmod(project.path(".git/hooks/post-checkout"), 0o755)
        project.run(["hooks", "install"])
        #expect(project.run(["hooks", "status"]).stdout.contains("post-checkout    installed, with your own commands"))
        let v1 = try Self.commitVersion(project, 1)
        let v2 = try Self.commitVersion(project, 2)
        try project.git(["checkout", "-q", v1.git])
        #expect(try project.hashes(under: "data/raw") == v1.hashes, "dver's block ran")
        #expect(try String(decoding: project.read(".git/user-hook-ran"), as: UTF8.self).contains(v1.git), "the user's hook ran")
        try project.git(["checkout", "-q", "main"])
        #expect(try project.hashes(under: "data/raw") == v2.hashes)
        project.run(["hooks", "install"])   // idempotent
        project.run(["hooks", "uninstall"])
        #expect(try String(decoding: project.read(".git/hooks/post-checkout"), as: UTF8.self) == userHook)
    }

    @Test("post-checkout keeps uncommitted data, names the files, and git still completes")
    func keepsUncommittedChanges() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        let v1 = try Self.commitVersion(project, 1)
        _ = try Self.commitVersion(project, 2)
        try project.write("data/raw/a.csv", "my unsaved edit\n")
        let checkout = try project.git(["checkout", "-q", v1.git])
        #expect(try project.gitRevision("HEAD") == v1.git)
        #expect(try String(decoding: project.read("data/raw/a.csv"), as: UTF8.self) == "my unsaved edit\n")
        #expect(checkout.stderr.contains("NOT restored"), "\(checkout.stderr)")
        #expect(checkout.stderr.contains("data/raw/a.csv"))
        #expect(checkout.stderr.contains("dver checkout --git HEAD --force"))
        // Resolving as the message says.
        project.run(["checkout", "--git", "HEAD"], expect: 2)
        project.run(["checkout", "--git", "HEAD", "--force"])
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
    }

    @Test("pre-commit policy: warn lets the commit through with a warning, block refuses it")
    func preCommitPolicy() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        _ = try Self.commitVersion(project, 1)
        try project.write("data/raw/a.csv", "uncommitted\n")
        try project.write("notes.md", "1\n")
        try project.git(["add", "notes.md"])
        let warned = try project.git(["commit", "-q", "-m", "notes"])
        #expect(warned.stderr.contains("warning: these repos hold data not committed to dver"))
        #expect(project.run(["hooks", "policy"]).stdout == "warn\n")
        project.run(["hooks", "policy", "block"])
        #expect(try project.run(["hooks", "status", "--json"]).jsonObject()["pre_commit_policy"] as? String == "block")
        try project.write("notes.md", "2\n")
        try project.git(["add", "notes.md"])
        let blocked = try project.git(["commit", "-q", "-m", "notes 2"], expect: 1)
        #expect(blocked.stderr.contains("git commit refused (pre-commit policy 'block')"))
        try project.git(["commit", "-q", "--no-verify", "-m", "notes 2"])
        project.run(["hooks", "policy", "sometimes"], expect: 64)
    }

    @Test("dver.lock merge: repos changed on different branches merge cleanly; the same repo changed on both conflicts")
    func lockMerge() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        try Self.writeVersion(project, 1, mount: "data/labels")
        project.run(["add", "-q", "data/labels"])
        let base = try Self.commitVersion(project, 1)
        try project.git(["checkout", "-q", "-b", "a"])
        let onA = try Self.commitVersion(project, 2)
        try project.git(["checkout", "-q", "main"])
        #expect(try project.hashes(under: "data/raw") == base.hashes)
        try project.git(["checkout", "-q", "-b", "b"])
        let labelsB = try Self.commitVersion(project, 3, mount: "data/labels")
        let merge = try project.git(["merge", "-q", "--no-edit", "a"])
        #expect(merge.stderr.contains("dver.lock merged cleanly"), "\(merge.output)")
        #expect(try project.hashes(under: "data/raw") == onA.hashes, "post-merge restored a's raw")
        #expect(try project.hashes(under: "data/labels") == labelsB.hashes)
        let lock = try project.git(["show", "HEAD:dver.lock"]).stdout
        let rawA = try #require(try project.git(["show", "a:dver.lock"]).stdout.split(separator: "\n").first { $0.hasPrefix("raw ") })
        #expect(lock.contains(rawA))

        // Conflict: raw changed on c (detached data) and on a.
        try project.git(["checkout", "-q", "-b", "c", base.git])
        _ = try Self.commitVersion(project, 4)
        let conflict = try project.git(["merge", "--no-edit", "a"], expect: 1)
        #expect(conflict.stderr.contains("dver.lock conflict in repo raw"), "\(conflict.output)")
        #expect(try project.git(["status", "--porcelain"]).text.contains("UU dver.lock"))
        #expect(project.run(["status"]).stdout.contains("unresolved merge conflict"))
        // Resolve as the message says: check out the data to pin, rewrite and stage the lock.
        let resolved = project.run(["checkout", "raw@main"])
        #expect(try project.hashes(under: "data/raw") == onA.hashes, "\(resolved)")
        project.run(["hooks", "run", "pre-commit"])
        try project.git(["commit", "-q", "--no-edit"])
        #expect(try project.git(["show", "HEAD:dver.lock"]).stdout.contains(rawA))
        #expect(try project.hashes(under: "data/raw") == onA.hashes)
    }

    @Test("dver.lock conflict between diverged data histories: the message's 'dver merge' joins them and git commits the merge")
    func lockConflictMergedWithDverMerge() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        let base = try Self.commitVersion(project, 1)
        try project.git(["checkout", "-q", "-b", "a"])
        _ = try Self.commitVersion(project, 2)
        let rawA = try #require(project.run(["log", "raw", "--json", "-n", "1"]).jsonArray().first?["id"] as? String)
        try project.git(["checkout", "-q", "-b", "c", base.git])
        project.run(["checkout", "-q", "--force", "raw@\(try #require(project.run(["log", "raw@main~1", "--json", "-n", "1"]).jsonArray().first?["id"] as? String))"])
        try project.write("data/raw/only-on-c.txt", "c\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "data on c"])
        try project.git(["add", "-A"])
        try project.git(["commit", "-q", "-m", "c"])
        let conflict = try project.git(["merge", "--no-edit", "a"], expect: 1)
        #expect(conflict.stderr.contains("'dver merge raw@\(rawA)'"), "\(conflict.output)")
        project.run(["merge", "raw@\(rawA)", "--strategy", "theirs"])
        #expect(project.exists("data/raw/only-on-c.txt") && project.exists("data/raw/even.txt"))
        project.run(["hooks", "run", "pre-commit"])
        try project.git(["commit", "-q", "--no-edit"])
        let pinned = try project.git(["show", "HEAD:dver.lock"]).stdout
        let merged = try #require(project.run(["log", "raw", "--json", "-n", "1"]).jsonArray().first)
        #expect((merged["parents"] as? [String])?.count == 2 && pinned.contains(merged["id"] as? String ?? "?"))
    }

    @Test("pre-commit writes the lock into the index 'git commit -a' and 'git commit PATH' build")
    func preCommitStagesLock() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        _ = try Self.commitVersion(project, 1)
        _ = try Self.commitVersion(project, 2)
        let older = try #require(try project.run(["log", "raw", "--json"]).jsonArray().last?["id"] as? String)
        project.run(["checkout", "-q", "raw@main~1"])
        #expect(try project.git(["status", "--porcelain"]).text == "M dver.lock", "checkout rewrites dver.lock")
        try project.git(["commit", "-q", "-a", "-m", "pin the older data"])
        #expect(try project.git(["show", "HEAD:dver.lock"]).stdout.contains("raw - \(older) data/raw"))

        // A stale lock on disk is rewritten by pre-commit into the index each kind of commit builds.
        project.run(["checkout", "-q", "raw@main"])
        let current = try project.read("dver.lock")
        let stale = try project.git(["show", "HEAD:dver.lock"]).stdout
        for (number, arguments) in [["-a"], ["--", "notes.md"], []].enumerated() {
            try project.write("dver.lock", stale)
            try project.write("notes.md", "\(number)\n")
            try project.git(["add", "notes.md"])
            try project.write("notes.md", "\(number) changed\n")   // for -a and PATH commits
            let commit = try project.git(["commit", "-q", "-m", "notes \(number)"] + arguments)
            #expect(commit.stderr.contains("dver.lock updated and staged"), "\(arguments)")
            #expect(try Array(project.git(["show", "HEAD:dver.lock"]).stdout.utf8) == current, "\(arguments)")
        }
    }

    @Test("no restore in the middle of a rebase")
    func rebaseInProgress() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        try project.write("notes.txt", "base\n")
        _ = try Self.commitVersion(project, 1)
        try project.git(["checkout", "-q", "-b", "side"])
        try project.write("notes.txt", "side\n")
        let sideHashes = try Self.commitVersion(project, 2).hashes
        try project.git(["checkout", "-q", "main"])
        try project.write("notes.txt", "main\n")
        let onMain = try Self.commitVersion(project, 3)
        let rebase = try project.git(["rebase", "side"], expect: nil)
        #expect(rebase.status != 0, "the rebase stops on notes.txt")
        #expect(rebase.output.contains("in the middle of a rebase; data not restored"), "\(rebase.output)")
        #expect(try project.hashes(under: "data/raw") == onMain.hashes)
        let direct = project.run(["hooks", "run", "post-checkout", onMain.git, try project.gitRevision("side"), "1"])
        #expect(direct.stderr.contains("in the middle of a rebase"))
        #expect(try project.hashes(under: "data/raw") == onMain.hashes)
        // Finish the rebase: take main's notes and side's data pins; post-rewrite restores them.
        try project.write("notes.txt", "main\n")
        project.run(["checkout", "--git", "side", "--force"])
        project.run(["hooks", "run", "pre-commit"])
        try project.git(["add", "notes.txt"])
        let finished = try project.git(["-c", "core.editor=true", "rebase", "--continue"])
        #expect(finished.output.contains("Successfully rebased"), "\(finished.output)")
        #expect(try project.git(["show", "HEAD:dver.lock"]).stdout == project.git(["show", "side:dver.lock"]).stdout)
        #expect(try project.hashes(under: "data/raw") == sideHashes)
    }

    @Test("post-rewrite restores the data HEAD pins once a rebase has finished")
    func restoreAfterRebase() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        _ = try Self.commitVersion(project, 1)
        try project.git(["checkout", "-q", "-b", "side"])
        try project.write("side.txt", "side\n")
        try project.git(["add", "side.txt"])
        try project.git(["commit", "-q", "-m", "side notes"])
        try project.git(["checkout", "-q", "main"])
        let v2 = try Self.commitVersion(project, 2)
        try project.git(["checkout", "-q", "side"])
        #expect(try project.hashes(under: "data/raw") != v2.hashes)
        let rebase = try project.git(["rebase", "main"])
        #expect(rebase.output.contains("Successfully rebased"), "\(rebase.output)")
        #expect(try project.hashes(under: "data/raw") == v2.hashes)
    }

    @Test("a project in a subdirectory of the git repository")
    func subdirectoryProject() throws {
        let project = try TestProject()
        try project.gitInit(project.outside)
        project.run(["hooks", "install"])
        #expect(try String(decoding: project.read(".git/hooks/pre-commit".replacingOccurrences(of: ".git", with: project.outside + "/.git")), as: UTF8.self)
            .contains("cd 'project' && dver hooks run pre-commit"))
        let v1 = try Self.commitVersion(project, 1)
        let v2 = try Self.commitVersion(project, 2)
        #expect(try project.git(["show", "HEAD:project/dver.lock"]).stdout.contains("raw main"))
        #expect(try project.git(["check-ignore", "-q", "project/data/raw/a.csv"], in: project.outside).status == 0)
        try project.git(["checkout", "-q", v1.git], in: project.outside)
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
        try project.git(["checkout", "-q", "main"], in: project.outside)
        #expect(try project.hashes(under: "data/raw") == v2.hashes)
        project.run(["checkout", "--git", v1.git], in: "data")
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
    }

    @Test("git worktrees: hooks are shared; a worktree without a store is skipped; with one it pins its own data")
    func worktree() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        let v1 = try Self.commitVersion(project, 1)
        let worktree = project.outside + "/wt"
        let added = try project.git(["worktree", "add", "-q", "-b", "feature", worktree])
        #expect(added.stderr.contains("no dver store"), "\(added.output)")
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
        project.run(["init", "-q"], in: worktree)
        #expect(project.run(["hooks", "status"], in: worktree).stdout.contains("pre-commit       installed"))
        try project.write(worktree + "/data/raw/w.csv", "worktree data\n")
        project.run(["add", "-q", "data/raw"], in: worktree)
        let commit = try project.run(["commit", "--json", "-m", "wt"], in: worktree).jsonObject()
        let data = try #require((commit["commits"] as? [[String: Any]])?.first?["commit"] as? String)
        #expect(try project.run(["log", "raw", "--json"], in: worktree).jsonArray().first?["git_head"] as? String == v1.git)
        try project.git(["add", "-A"], in: worktree)
        try project.git(["commit", "-q", "-m", "wt pins"], in: worktree)
        #expect(try project.git(["show", "feature:dver.lock"]).stdout.contains("raw main \(data) data/raw"))
        #expect(try project.git(["show", "main:dver.lock"]).stdout.contains("raw main"))
        #expect(!(try project.git(["show", "main:dver.lock"]).stdout.contains(data)))

        // A worktree nested inside the main project must not restore the main project's data.
        try project.write("data/raw/a.csv", "edited in main\n")
        let nested = try project.git(["worktree", "add", "-q", "--detach", "inner", v1.git])
        #expect(nested.stderr.contains("outside this git working tree"), "\(nested.output)")
        #expect(try String(decoding: project.read("data/raw/a.csv"), as: UTF8.self) == "edited in main\n")
    }

    @Test("core.hooksPath: hooks go where git runs them")
    func hooksPath() throws {
        let project = try TestProject()
        try project.gitInit()
        try project.git(["config", "core.hooksPath", ".githooks"])
        project.run(["hooks", "install"])
        #expect(try project.run(["hooks", "status", "--json"]).jsonObject()["hooks_directory"] as? String == project.path(".githooks"))
        #expect(project.exists(".githooks/post-checkout"))
        #expect(!project.exists(".git/hooks/post-checkout"))
        let v1 = try Self.commitVersion(project, 1)
        let v2 = try Self.commitVersion(project, 2)
        try project.git(["checkout", "-q", v1.git])
        #expect(try project.hashes(under: "data/raw") == v1.hashes)
        try project.git(["checkout", "-q", "main"])
        #expect(try project.hashes(under: "data/raw") == v2.hashes)
    }

    @Test("git init with no commits yet (unborn HEAD)")
    func unbornHead() throws {
        let project = try TestProject()
        try project.gitInit()
        project.run(["hooks", "install"])
        #expect(project.run(["log", "--git"]).stdout.contains("no git commits yet"))
        try Self.writeVersion(project, 1)
        project.run(["add", "-q", "data/raw"])
        project.run(["commit", "-q", "-m", "first"])
        #expect(try project.run(["log", "raw", "--json"]).jsonArray().first?["git_head"] == nil)
        try project.git(["add", "-A"])
        try project.git(["commit", "-q", "-m", "first"])
        #expect(try project.git(["show", "HEAD:dver.lock"]).stdout.contains("raw main"))
        #expect(project.run(["log", "--git"]).stdout.contains("first"))
    }

    @Test("pre-push: the hook lets git push; --json lists the data commits the pushed commits pin")
    func prePush() throws {
        let project = try TestProject()
        try project.gitInit()
        // A user's pre-push hook that reads git's ref lines from stdin, after dver's block.
        try project.write(".git/hooks/pre-push", "#!/bin/sh\ncat > \"$(git rev-parse --git-dir)/user-push-input\"\n")
        chmod(project.path(".git/hooks/pre-push"), 0o755)
        project.run(["hooks", "install"])
        _ = try Self.commitVersion(project, 1)
        let v2 = try Self.commitVersion(project, 2)
        try project.git(["init", "-q", "--bare", project.outside + "/remote.git"])
        try project.git(["remote", "add", "origin", project.outside + "/remote.git"])
        try project.git(["push", "-q", "origin", "main"])
        let userInput = try String(decoding: project.read(".git/user-push-input"), as: UTF8.self)
        #expect(userInput.hasPrefix("refs/heads/main \(v2.git) refs/heads/main "), "the user's hook still gets stdin: \(userInput)")
        let zero = String(repeating: "0", count: 40)
        let pins = try project.run(["hooks", "run", "pre-push", "--json", "origin", "url"],
                                   stdin: Data("refs/heads/main \(v2.git) refs/heads/main \(zero)\n".utf8)).jsonObject()
        #expect(pins["git_commits"] as? Int == 0, "origin/main already has every commit")
        let all = try project.run(["hooks", "run", "pre-push", "--json", "other", "url"],
                                  stdin: Data("refs/heads/main \(v2.git) refs/heads/main \(zero)\n".utf8)).jsonObject()
        #expect(all["git_commits"] as? Int == 2)
        #expect((all["pins"] as? [[String: Any]])?.count == 2)
    }

    @Test("repos created and deleted are kept in .gitignore's managed block")
    func ignoreBlock() throws {
        let project = try TestProject(initialize: false)
        try project.gitInit()
        project.run(["init", "-q"])
        #expect(try project.git(["status", "--porcelain"]).text == "?? .gitignore", "dver init keeps .dver/ out of git")
        try project.remove(".gitignore")
        try project.write(".gitignore", "*.tmp\n")
        try project.write("data/raw/a.csv", "1\n")
        project.run(["add", "-q", "data/raw"])
        project.run(["repo", "create", "-q", "images", "--path", "assets/images"])
        let ignore = try String(decoding: project.read(".gitignore"), as: UTF8.self)
        #expect(ignore.hasPrefix("*.tmp\n# >>> dver >>>"))
        #expect(ignore.contains("/.dver/\n/assets/images/\n/data/raw/\n"))
        project.run(["repo", "delete", "-q", "images"])
        #expect(!(try String(decoding: project.read(".gitignore"), as: UTF8.self)).contains("assets/images"))
    }
}
