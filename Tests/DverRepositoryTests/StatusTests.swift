import DverCore
import DverRepository
import DverStore
import DverSystem
import Testing

@Suite("status: staged, unstaged, untracked; the stat cache and the racy-mtime rule")
struct StatusTests {
    @Test("every kind of change is reported in the right list")
    func detectsChanges() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n", "data/raw/b.csv": "b\n", "data/raw/c.csv": "c\n",
                                     "data/raw/d.csv": "d\n"])
        try ws.add("data/raw")
        try ws.commit("first")
        try ws.write("data/raw/a.csv", "a2\n")
        try ws.add("data/raw/a.csv")                                           // staged modification
        try ws.write("data/raw/b.csv", "b2\n")                                 // unstaged modification
        try ws.delete("data/raw/c.csv")                                        // unstaged deletion
        _ = try ws.project.remove(["data/raw/d.csv"], keepFiles: false, force: false)  // staged deletion
        try ws.write("data/raw/e.csv", "e\n")
        try ws.add("data/raw/e.csv")                                           // staged addition
        try ws.write("data/raw/new/f.csv", "f\n")                              // untracked

        let status = try ws.status("raw")
        #expect(status.staged.map(\.path) == ["data/raw/a.csv", "data/raw/d.csv", "data/raw/e.csv"])
        #expect(status.staged.map(\.kind) == [.modified, .deleted, .added])
        #expect(status.unstaged.map(\.path) == ["data/raw/b.csv", "data/raw/c.csv"])
        #expect(status.unstaged.map(\.kind) == [.modified, .deleted])
        #expect(status.unstaged.first?.new?.id == SHA256.hash("b2\n"))
        #expect(status.untracked == ["data/raw/new/f.csv"])
        #expect(!status.isClean)
    }

    @Test("after add and commit the repo is clean and its head is the new commit")
    func cleanAfterCommit() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/sub/b.bin": .random(size: 100_000, seed: 2)])
        try ws.add("data/raw")
        let committed = try ws.commit()
        let status = try ws.status("raw")
        #expect(status.isClean)
        #expect(status.head == committed.commits.first?.commit)
    }

    @Test("a file replaced by a directory is a deletion plus untracked files")
    func fileBecomesDirectory() throws {
        let ws = try Workspace.make(["data/raw/a": "1\n"])
        try ws.add("data/raw")
        try ws.commit()
        try ws.delete("data/raw/a")
        try ws.write("data/raw/a/inner.csv", "2\n")
        let status = try ws.status("raw")
        #expect(status.unstaged.map(\.path) == ["data/raw/a"])
        #expect(status.unstaged.first?.kind == .deleted)
        #expect(status.untracked == ["data/raw/a/inner.csv"])
    }

    @Test("status on an unchanged tree hashes nothing and leaves the index untouched")
    func unchangedReadsNoData() throws {
        let ws = try Workspace.make(["data/raw/big.bin": .random(size: 3_000_000, seed: 4), "data/raw/a.csv": "1\n",
                                     "data/raw/d/e/f.csv": "2\n"])
        try ws.add("data/raw")
        try ws.commit()
        let indexBefore = try FileSystem.readFile(ws.project.layout.workspaceIndexFile)
        let indexStatBefore = try FileSystem.linkStatus(ws.project.layout.workspaceIndexFile)
        ws.progress.reset()

        #expect(try ws.status("raw").isClean)
        #expect(ws.progress.bytes == 0)
        #expect(!ws.progress.phases.contains("checking"))
        #expect(try FileSystem.readFile(ws.project.layout.workspaceIndexFile) == indexBefore)
        #expect(try FileSystem.linkStatus(ws.project.layout.workspaceIndexFile) == indexStatBefore)
    }

    @Test("a file whose stat data changed but content did not is hashed once, then trusted again")
    func refreshesStatCache() throws {
        let ws = try Workspace.make(["data/raw/big.bin": .random(size: 3_000_000, seed: 5), "data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        try ws.commit()
        try ws.backdate("data/raw/big.bin", seconds: 30)  // new mtime and ctime, same content
        ws.progress.reset()
        #expect(try ws.status("raw").isClean)
        #expect(ws.progress.bytes == 3_000_000)

        ws.progress.reset()
        #expect(try ws.status("raw").isClean)
        #expect(ws.progress.bytes == 0)
    }

    @Test("a same-size rewrite with its old mtime restored is still detected")
    func restoredMtime() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "aaaa\n"])
        try ws.add("data/raw")
        try ws.commit()
        let before = try ws.stat("data/raw/a.csv")
        try ws.write("data/raw/a.csv", "bbbb\n")
        try ws.setModificationTime("data/raw/a.csv", nanoseconds: before.modificationNanoseconds)
        let after = try ws.stat("data/raw/a.csv")
        #expect(after.size == before.size && after.modificationNanoseconds == before.modificationNanoseconds)
        #expect(after.inode == before.inode)

        let status = try ws.status("raw")
        #expect(status.unstaged.map(\.path) == ["data/raw/a.csv"])
        #expect(status.unstaged.first?.new?.id == SHA256.hash("bbbb\n"))
    }

    /// The stat cache is made to match a rewritten file exactly (as when the rewrite happens in
    /// the same timestamp tick as `add`). Only the racy rule can then catch the change: a file
    /// whose mtime is not older than the index must be re-read.
    @Test("a stat-identical change is caught exactly when the file's mtime is not older than the index",
          arguments: [(indexOffsetSeconds: Int64(-1), detected: true), (0, true), (1, false)])
    func racyMtime(indexOffsetSeconds: Int64, detected: Bool) throws {
        let ws = try Workspace.make(["data/raw/a.csv": "aaaa\n"])
        try ws.add("data/raw")
        try ws.commit()
        try ws.write("data/raw/a.csv", "bbbb\n")
        let mtime = try ws.stat("data/raw/a.csv").modificationNanoseconds - 100_000_000_000
        try ws.setModificationTime("data/raw/a.csv", nanoseconds: mtime)

        var index = try ws.index()
        let position = try #require(index.find("data/raw/a.csv"))
        index.entries[position].stat = StatCache(try ws.stat("data/raw/a.csv"))
        try index.save(ws.project.layout.workspaceIndexFile, durable: false)
        try ws.setModificationTime(".dver/index", nanoseconds: mtime + indexOffsetSeconds * 1_000_000_000)

        ws.progress.reset()
        let status = try ws.status("raw")
        if detected {
            #expect(status.unstaged.map(\.path) == ["data/raw/a.csv"])
            #expect(status.unstaged.first?.new?.id == SHA256.hash("bbbb\n"))
        } else {
            #expect(status.isClean, "with an older index the stat cache is trusted and no data is read")
            #expect(ws.progress.bytes == 0)
        }
    }

    @Test("status of every repo is sorted by name; a named unknown repo is an error")
    func allRepos() throws {
        let ws = try Workspace.make(["data/zeta/a": "1\n", "data/alpha/b": "2\n"])
        try ws.add("data/zeta", "data/alpha")
        let statuses = try ws.project.status()
        #expect(statuses.map(\.repo.name) == ["alpha", "zeta"])
        #expect(statuses.allSatisfy { $0.staged.count == 1 })
        let name = expectThrows({ try ws.project.status(repos: ["nope"]) }) { (error: RepositoryError) in
            if case .unknownRepo(let name) = error { name } else { nil }
        }
        #expect(name == "nope")
    }
}
