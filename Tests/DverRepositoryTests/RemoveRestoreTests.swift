import DverCore
import DverRepository
import DverStore
import Testing

@Suite("rm and restore")
struct RemoveRestoreTests {
    static func committed() throws -> Workspace {
        let ws = try Workspace.make(["data/raw/a.csv": "a1\n", "data/raw/b.csv": "b1\n", "data/raw/dir/c.csv": "c1\n",
                                     "data/raw/dir/d.csv": "d1\n"])
        try ws.add("data/raw")
        try ws.commit("v0")
        try ws.write("data/raw/a.csv", "a2\n")
        try ws.add("data/raw")
        try ws.commit("v1")
        return ws
    }

    @Test("rm deletes the file and stages its deletion")
    func removeDeletes() throws {
        let ws = try Self.committed()
        let removed = try ws.project.remove(["data/raw/b.csv"], keepFiles: false, force: false)
        #expect(removed == ["data/raw/b.csv"])
        #expect(!ws.exists("data/raw/b.csv"))
        let status = try ws.status("raw")
        #expect(status.staged.map(\.path) == ["data/raw/b.csv"] && status.staged.first?.kind == .deleted)
        #expect(status.unstaged.isEmpty && status.untracked.isEmpty)
        try ws.commit("rm b")
        #expect(try ws.files("raw")["data/raw/b.csv"] == nil)
    }

    @Test("rm with keepFiles untracks but leaves the file")
    func removeKeepsFile() throws {
        let ws = try Self.committed()
        try ws.project.remove(["data/raw/b.csv"], keepFiles: true, force: false)
        #expect(try ws.text("data/raw/b.csv") == "b1\n")
        let status = try ws.status("raw")
        #expect(status.staged.map(\.kind) == [.deleted])
        #expect(status.untracked == ["data/raw/b.csv"])
    }

    @Test("rm of a directory untracks everything beneath it")
    func removeDirectory() throws {
        let ws = try Self.committed()
        let removed = try ws.project.remove(["data/raw/dir"], keepFiles: false, force: false)
        #expect(removed == ["data/raw/dir/c.csv", "data/raw/dir/d.csv"])
        #expect(!ws.exists("data/raw/dir/c.csv") && !ws.exists("data/raw/dir/d.csv"))
        #expect(try ws.status("raw").staged.count == 2)
    }

    @Test("rm refuses a file with uncommitted content unless keepFiles or force")
    func removeDirty() throws {
        let ws = try Self.committed()
        try ws.write("data/raw/b.csv", "edited\n")
        let paths = expectThrows({ try ws.project.remove(["data/raw/b.csv"], keepFiles: false, force: false) }) {
            (error: RepositoryError) in if case .uncommittedChanges(_, let paths) = error { paths } else { nil }
        }
        #expect(paths == ["data/raw/b.csv"])
        #expect(try ws.text("data/raw/b.csv") == "edited\n")
        #expect(try ws.status("raw").staged.isEmpty, "nothing was staged")

        try ws.project.remove(["data/raw/b.csv"], keepFiles: true, force: false)
        #expect(try ws.text("data/raw/b.csv") == "edited\n")
        try ws.project.restore(["data/raw/b.csv"], unstage: true)
        try ws.project.remove(["data/raw/b.csv"], keepFiles: false, force: true)
        #expect(!ws.exists("data/raw/b.csv"))
    }

    @Test("rm of untracked or unknown paths fails")
    func removeUntracked() throws {
        let ws = try Self.committed()
        try ws.write("data/raw/new.csv", "n\n")
        expectThrows({ try ws.project.remove(["data/raw/new.csv"], keepFiles: false, force: false) }) {
            (error: RepositoryError) in if case .pathNotFound = error { true } else { nil }
        }
        #expect(ws.exists("data/raw/new.csv"))
        expectThrows({ try ws.project.remove(["elsewhere/x"], keepFiles: false, force: false) }) {
            (error: RepositoryError) in if case .notInAnyRepo = error { true } else { nil }
        }
    }

    @Test("restore rewrites workspace files from the index")
    func restoreFromIndex() throws {
        let ws = try Self.committed()
        try ws.write("data/raw/a.csv", "staged\n")
        try ws.add("data/raw/a.csv")
        try ws.write("data/raw/a.csv", "scribble\n")
        try ws.delete("data/raw/dir")
        let restored = try ws.project.restore(["data/raw/a.csv", "data/raw/dir"])
        #expect(restored == ["data/raw/a.csv", "data/raw/dir/c.csv", "data/raw/dir/d.csv"])
        #expect(try ws.text("data/raw/a.csv") == "staged\n")
        #expect(try ws.text("data/raw/dir/c.csv") == "c1\n")
        let status = try ws.status("raw")
        #expect(status.unstaged.isEmpty)
        #expect(status.staged.map(\.path) == ["data/raw/a.csv"], "the staged change is kept")
    }

    @Test("restore from a source revision writes that version and leaves the index alone")
    func restoreFromSource() throws {
        let ws = try Self.committed()
        let restored = try ws.project.restore(["data/raw/a.csv"], source: RevisionSpec(parsing: "raw@main~1"))
        #expect(restored == ["data/raw/a.csv"])
        #expect(try ws.text("data/raw/a.csv") == "a1\n")
        let status = try ws.status("raw")
        #expect(status.staged.isEmpty)
        #expect(status.unstaged.map(\.path) == ["data/raw/a.csv"])
        #expect(status.unstaged.first?.new?.id == SHA256.hash("a1\n"))
    }

    @Test("restore rewrites only files whose workspace content differs")
    func restoreOnlyDiffering() throws {
        let ws = try Self.committed()
        let before = try ws.stat("data/raw/b.csv")
        try ws.write("data/raw/a.csv", "edited\n")
        let restored = try ws.project.restore(["data/raw"])
        #expect(restored == ["data/raw/a.csv"])
        #expect(try ws.stat("data/raw/b.csv").inode == before.inode)
        #expect(try ws.status("raw").isClean)
    }

    @Test("restore --unstage resets the index to the checked-out commit and keeps the files")
    func unstage() throws {
        let ws = try Self.committed()
        try ws.write("data/raw/a.csv", "a3\n")
        try ws.write("data/raw/new.csv", "n\n")
        try ws.add("data/raw")
        #expect(try ws.status("raw").staged.map(\.path) == ["data/raw/a.csv", "data/raw/new.csv"])
        let touched = try ws.project.restore(["data/raw"], unstage: true)
        // Only entries that had staged changes are reported.
        #expect(touched == ["data/raw/a.csv", "data/raw/new.csv"])
        let status = try ws.status("raw")
        #expect(status.staged.isEmpty)
        #expect(status.unstaged.map(\.path) == ["data/raw/a.csv"])
        #expect(status.untracked == ["data/raw/new.csv"])
        #expect(try ws.text("data/raw/a.csv") == "a3\n")
        try ws.add("data/raw/a.csv")
        #expect(try ws.status("raw").staged.map(\.path) == ["data/raw/a.csv"], "add stages the kept edit again")
    }

    @Test("restore of a path that is not tracked fails")
    func restoreUnknown() throws {
        let ws = try Self.committed()
        expectThrows({ try ws.project.restore(["data/raw/none.csv"]) }) { (error: RepositoryError) in
            if case .pathNotFound = error { true } else { nil }
        }
        expectThrows({ try ws.project.restore(["data/raw/none.csv"], source: RevisionSpec(parsing: "raw@main~1")) }) {
            (error: RepositoryError) in if case .pathNotFound = error { true } else { nil }
        }
    }
}
