import DverCore
@testable import DverRepository
import DverStore
import DverSystem
import Testing

@Suite("checkout: minimal rewrites, safety checks, branches and detached heads")
struct CheckoutTests {
    /// Commits `versions` of the `raw` repo in order (each a full snapshot of data/raw); files
    /// are rewritten only when their content or exec bit changes, and backdated so none is racily clean.
    static func history(_ versions: [[String: FileContent]]) throws -> Workspace {
        let ws = try Workspace.make()
        var previous = Set<String>()
        for (number, files) in versions.enumerated() {
            for path in previous.subtracting(files.keys) { try ws.delete("data/raw/\(path)") }
            for (path, content) in files where !previous.contains(path) || content.bytes != (try? ws.bytes("data/raw/\(path)"))
                || content.isExecutable != (try? ws.stat("data/raw/\(path)").isExecutable) {
                try ws.write("data/raw/\(path)", content)
                try ws.backdate("data/raw/\(path)")
            }
            try ws.add("data/raw")
            try ws.commit("v\(number)")
            previous = Set(files.keys)
        }
        return ws
    }

    @Test("only files that differ are rewritten; unchanged files keep their inode")
    func minimalRewrite() throws {
        let big = FileContent.random(size: 1_000_000, seed: 9)
        let ws = try Self.history([["a.csv": "a\n", "b.csv": "b1\n", "big.bin": big],
                                   ["a.csv": "a\n", "b.csv": "b2\n", "big.bin": big]])
        let inodes = try ["a.csv", "big.bin", "b.csv"].map { try ws.stat("data/raw/\($0)").inode }
        ws.progress.reset()
        let result = try ws.checkout("raw@main~1")
        #expect(result.written == 1)
        #expect(result.unchanged == 2)
        #expect(result.bytesWritten == 3)
        #expect(ws.progress.bytes == 3, "only b.csv's bytes are written, nothing is re-hashed")
        #expect(try ws.text("data/raw/b.csv") == "b1\n")
        #expect(try ws.stat("data/raw/a.csv").inode == inodes[0])
        #expect(try ws.stat("data/raw/big.bin").inode == inodes[1])
        #expect(try ws.stat("data/raw/b.csv").inode != inodes[2])
        #expect(try ws.status("raw").isClean)
    }

    @Test("tracked files absent from the target are removed with their empty directories; untracked files stay")
    func removesTrackedKeepsUntracked() throws {
        let ws = try Self.history([["a.csv": "a\n"], ["a.csv": "a\n", "sub/deep/n.csv": "n\n", "sub/m.csv": "m\n"]])
        try ws.write("data/raw/untracked.txt", "u\n")
        try ws.write("data/raw/sub/keep.txt", "k\n")
        let result = try ws.checkout("raw@main~1")
        #expect(result.removed == 2)
        #expect(!ws.exists("data/raw/sub/deep"))
        #expect(!ws.exists("data/raw/sub/m.csv"))
        #expect(try ws.text("data/raw/untracked.txt") == "u\n")
        #expect(try ws.text("data/raw/sub/keep.txt") == "k\n")
        #expect(try ws.status("raw").untracked == ["data/raw/sub/keep.txt", "data/raw/untracked.txt"])

        try ws.checkout("raw@main")
        #expect(try ws.text("data/raw/sub/deep/n.csv") == "n\n")
        #expect(try ws.text("data/raw/sub/keep.txt") == "k\n")
    }

    @Test("modified files block checkout, listing their paths; force discards them",
          arguments: [false, true])
    func refusesModified(staged: Bool) throws {
        let ws = try Self.history([["a.csv": "1\n", "b.csv": "b\n", "c.csv": "c\n"],
                                   ["a.csv": "2\n", "b.csv": "b2\n", "c.csv": "c\n"]])
        try ws.write("data/raw/a.csv", "local\n")
        try ws.write("data/raw/b.csv", "mine\n")
        try ws.write("data/raw/c.csv", "edited; same in both commits\n")
        if staged { try ws.add("data/raw") }
        let head = try ws.commitID("raw")

        let paths = expectThrows({ try ws.checkout("raw@main~1") }) { (error: RepositoryError) in
            if case .uncommittedChanges(_, let paths) = error { paths } else { nil }
        }
        // c.csv is the same in both commits, so its edit would be carried over: not a conflict.
        #expect(paths == ["data/raw/a.csv", "data/raw/b.csv"])
        #expect(try ws.text("data/raw/a.csv") == "local\n")
        #expect(try ws.commitID("raw") == head)
        #expect(try ws.project.repo(named: "raw").branch == "main")

        try ws.checkout("raw@main~1", force: true)
        #expect(try ws.text("data/raw/a.csv") == "1\n")
        #expect(try ws.text("data/raw/b.csv") == "b\n")
        #expect(try ws.text("data/raw/c.csv") == "c\n")
        #expect(try ws.status("raw").isClean)
    }

    @Test("an edit to a file that is the same in both commits is carried over, staged or not",
          arguments: [false, true])
    func carriesOverEdits(staged: Bool) throws {
        let ws = try Self.history([["a.csv": "1\n", "c.csv": "c\n"], ["a.csv": "2\n", "c.csv": "c\n"]])
        try ws.write("data/raw/c.csv", "edited\n")
        if staged { try ws.add("data/raw") }
        try ws.checkout("raw@main~1")
        #expect(try ws.text("data/raw/a.csv") == "1\n")
        #expect(try ws.text("data/raw/c.csv") == "edited\n")
        let status = try ws.status("raw")
        #expect((staged ? status.staged : status.unstaged).map(\.path) == ["data/raw/c.csv"])
        try ws.checkout("raw@main")
        #expect(try ws.text("data/raw/c.csv") == "edited\n")
    }

    @Test("checking out the commit already there only switches the branch and rewrites nothing")
    func alreadyThere() throws {
        let ws = try Self.history([["a.csv": "1\n"], ["a.csv": "2\n"]])
        let inode = try ws.stat("data/raw/a.csv").inode
        try ws.project.createBranch("exp", repo: "raw")
        let result = try ws.project.checkout(RevisionSpec(parsing: "raw@exp"), force: false)
        #expect(result.written == 0 && result.removed == 0 && result.unchanged == 1)
        #expect(try ws.project.repo(named: "raw").branch == "exp")
        #expect(try ws.stat("data/raw/a.csv").inode == inode)
        #expect(try ws.status("raw").isClean)
    }

    @Test("a local edit that equals the target's content does not block checkout")
    func editMatchingTarget() throws {
        let ws = try Self.history([["a.csv": "1\n"], ["a.csv": "2\n"]])
        try ws.write("data/raw/a.csv", "1\n")
        try ws.checkout("raw@main~1")
        #expect(try ws.text("data/raw/a.csv") == "1\n")
        #expect(try ws.status("raw").isClean)
    }

    @Test("untracked files the checkout would overwrite block it; force overwrites them")
    func refusesUntrackedOverwrite() throws {
        let ws = try Self.history([["a.csv": "a\n", "c.csv": "old c\n", "dir/x.csv": "x\n"], ["a.csv": "a\n"]])
        try ws.write("data/raw/c.csv", "precious\n")
        try ws.write("data/raw/dir", "a file where the target has a directory\n")
        let paths = expectThrows({ try ws.checkout("raw@main~1") }) { (error: RepositoryError) in
            if case .uncommittedChanges(_, let paths) = error { paths } else { nil }
        }
        #expect(paths == ["data/raw/c.csv", "data/raw/dir"])
        #expect(try ws.text("data/raw/c.csv") == "precious\n")

        try ws.checkout("raw@main~1", force: true)
        #expect(try ws.text("data/raw/c.csv") == "old c\n")
        #expect(try ws.text("data/raw/dir/x.csv") == "x\n")
        #expect(try ws.status("raw").isClean)
    }

    @Test("checking out a revision detaches; commits then move the detached head, not the branch")
    func detachedHead() throws {
        let ws = try Self.history([["a.csv": "1\n"], ["a.csv": "2\n"]])
        let main = try ws.commitID("raw@main")
        let older = try ws.commitID("raw@main~1")
        let result = try ws.checkout("raw@main~1")
        #expect(result.branch == nil)
        var record = try ws.project.repo(named: "raw")
        #expect(record.branch == nil)
        #expect(record.detachedCommit == older.hex)
        #expect(try ws.status("raw").head == older)

        try ws.write("data/raw/a.csv", "detached\n")
        try ws.add("data/raw")
        let committed = try #require(try ws.commit("on a detached head").commits.first)
        #expect(committed.branch == nil)
        #expect(committed.parent == older)
        record = try ws.project.repo(named: "raw")
        #expect(record.detachedCommit == committed.commit.hex)
        #expect(try ws.commitID("raw@main") == main)
        #expect(try ws.commitID("raw") == committed.commit)

        let back = try ws.checkout("raw@main")
        #expect(back.branch == "main")
        record = try ws.project.repo(named: "raw")
        #expect(record.branch == "main" && record.detachedCommit == nil)
        #expect(try ws.text("data/raw/a.csv") == "2\n")
    }

    @Test("checking out another branch switches to it; commits then move that branch only")
    func switchBranch() throws {
        let ws = try Self.history([["a.csv": "1\n"], ["a.csv": "2\n"]])
        let main = try ws.commitID("raw@main")
        try ws.project.createBranch("dev", repo: "raw", at: "main~1")
        #expect(try ws.checkout("raw@dev").branch == "dev")
        #expect(try ws.text("data/raw/a.csv") == "1\n")
        try ws.write("data/raw/a.csv", "dev\n")
        try ws.add("data/raw")
        let committed = try #require(try ws.commit("on dev").commits.first)
        #expect(committed.branch == "dev")
        #expect(try ws.commitID("raw@dev") == committed.commit)
        #expect(try ws.commitID("raw@main") == main)
        let branches = try ws.project.branches(of: "raw")
        #expect(branches.map(\.name) == ["dev", "main"])
        #expect(branches.map(\.isCurrent) == [true, false])
    }

    @Test("a file and a directory of the same name swap places through checkout")
    func fileDirectorySwap() throws {
        let ws = try Self.history([["p": "file\n", "q/inner.csv": "inner\n"], ["p/inner.csv": "now a dir\n", "q": "now a file\n"]])
        try ws.checkout("raw@main~1")
        #expect(try ws.text("data/raw/p") == "file\n")
        #expect(try ws.text("data/raw/q/inner.csv") == "inner\n")
        #expect(try ws.status("raw").isClean)
        try ws.checkout("raw@main")
        #expect(try ws.text("data/raw/p/inner.csv") == "now a dir\n")
        #expect(try ws.text("data/raw/q") == "now a file\n")
        #expect(try ws.status("raw").isClean)
    }

    @Test("an untracked directory where the target has a file blocks checkout")
    func untrackedDirectoryInTheWay() throws {
        let ws = try Self.history([["a.csv": "a\n", "x": "x file\n"], ["a.csv": "a\n"]])
        try ws.write("data/raw/x/mine.csv", "mine\n")
        let paths = expectThrows({ try ws.checkout("raw@main~1") }) { (error: RepositoryError) in
            if case .uncommittedChanges(_, let paths) = error { paths } else { nil }
        }
        #expect(paths == ["data/raw/x/mine.csv"])
        #expect(try ws.text("data/raw/x/mine.csv") == "mine\n")
    }

    @Test("checkout never writes through a symlink standing where a directory must be")
    func symlinkInTheWay() throws {
        let ws = try Self.history([["d/x.csv": "x\n"], ["other.csv": "o\n"]])
        try FileSystem.createDirectories(ws.absolute("outside"))
        try ws.write("data/raw/d", .symlink(to: "../../outside"))
        expectThrows({ try ws.checkout("raw@main~1") }) { (error: RepositoryError) in
            if case .uncommittedChanges(_, let paths) = error { paths } else { nil }
        }
        try ws.checkout("raw@main~1", force: true)
        #expect(!ws.exists("outside/x.csv"))
        #expect(try ws.stat("data/raw/d").kind == .directory)
        #expect(try ws.text("data/raw/d/x.csv") == "x\n")
    }

    @Test("checking out into an emptied mount restores every file and directory")
    func intoEmptyMount() throws {
        let ws = try Self.history([["a.csv": "a\n", "x/y/z.csv": "z\n", "run.sh": .executable("#!/bin/sh\n")]])
        try ws.delete("data/raw")
        let result = try ws.checkout("raw")
        #expect(result.written == 3)
        #expect(try ws.text("data/raw/x/y/z.csv") == "z\n")
        #expect(try ws.stat("data/raw/run.sh").mode & 0o111 != 0)
        #expect(try ws.status("raw").isClean)
        #expect(try FileSystem.list(ws.absolute("data/raw")).allSatisfy { !$0.name.hasPrefix(".dver-tmp-") })
    }
}

@Suite("checkout: order of the writes")
struct RestoreOrderTests {
    @Test("batches are taken one directory after another, so workers at once write into different directories")
    func interleaved() {
        #expect(FileRestorer.interleaved([[1, 2, 3], [4], [5, 6]]) == [1, 4, 5, 2, 6, 3])
        #expect(FileRestorer.interleaved([[Int]]()) == [])
        #expect(FileRestorer.interleaved([[], [7, 8], []]) == [7, 8])
    }
}
