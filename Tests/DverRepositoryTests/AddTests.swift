import DverChunking
import DverCore
import DverRepository
import DverStore
import DverSystem
import Testing

@Suite("add: repos, ids, chunking, symlinks and modes")
struct AddTests {
    @Test("adding a directory outside every repo creates a repo named after it")
    func createsRepo() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1,2\n", "data/raw/sub/b.csv": "3,4\n"])
        let result = try ws.add("data/raw")
        #expect(result.createdRepos.map(\.name) == ["raw"])
        #expect(result.createdRepos.first?.mount == "data/raw")
        #expect(result.createdRepos.first?.branch == "main")
        #expect(result.added == 2)
        #expect(try ws.project.repos().map(\.name) == ["raw"])

        let again = try ws.add("data/raw")
        #expect(again.createdRepos.isEmpty)
        #expect(again.added == 0)
        #expect(again.unchanged == 2)
    }

    @Test("a staged deletion survives a second add, and an unchanged add leaves the index file alone")
    func stagedDeletionSurvives() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/b.csv": "2\n"])
        try ws.add("data/raw")
        _ = try ws.project.commit(message: "one")
        try ws.delete("data/raw/a.csv")
        #expect(try ws.add("data/raw").deleted == 1)
        let indexFile = ws.project.layout.workspaceIndexFile
        let before = try FileSystem.readFile(indexFile)
        let beforeStatus = try FileSystem.linkStatus(indexFile)
        let again = try ws.add("data/raw")
        #expect(again.deleted == 0)
        #expect(try FileSystem.readFile(indexFile) == before)
        #expect(try FileSystem.linkStatus(indexFile).inode == beforeStatus.inode)
        #expect(try ws.status("raw").staged.map(\.path) == ["data/raw/a.csv"])
        _ = try ws.project.commit(message: "two")
        #expect(try ws.status("raw").isClean)
    }

    @Test("re-adding unchanged files reads no file data")
    func unchangedAddReadsNothing() throws {
        let ws = try Workspace.make(["data/raw/a.bin": .random(size: 200_000, seed: 7)])
        try ws.add("data/raw")
        ws.progress.reset()
        let again = try ws.add("data/raw")
        #expect(again.bytesHashed == 0)
        #expect(ws.progress.bytes == 0)
    }

    @Test("a file of at most one chunk is one chunk whose id is the SHA-256 of the file",
          arguments: [0, 1, 4_096, 16_384])
    func smallFileID(size: Int) throws {
        let content = TestBytes.random(size, seed: UInt64(size))
        let ws = try Workspace.make(["data/raw/f.bin": .bytes(content)])
        try ws.add("data/raw")
        let staged = try #require(try ws.indexEntry("data/raw/f.bin")?.staged)
        #expect(staged.id == SHA256.hash(content))
        #expect(!staged.chunked)
        #expect(staged.size == UInt64(size))
        try ws.commit()
        #expect(try ws.files("raw")["data/raw/f.bin"] == staged)
        #expect(try ws.project.store.read(staged.id, as: .chunk) == content)
    }

    @Test("a large file is chunked and round-trips byte for byte through commit and checkout",
          arguments: [3_000_000, 20_000_000])
    func largeFileRoundTrip(size: Int) throws {
        let content = TestBytes.random(size, seed: 1)
        let ws = try Workspace.make(["data/raw/big.bin": .bytes(content), "data/raw/small.csv": "x\n"])
        try ws.add("data/raw")
        try ws.commit("big")
        let ref = try #require(try ws.files("raw")["data/raw/big.bin"])
        #expect(ref.chunked)
        #expect(ref.size == UInt64(size))
        let chunks = try ChunkListBuilder.chunks(of: ref.id, store: ws.project.store)
        #expect(chunks.count > 1)
        #expect(chunks.reduce(0) { $0 + $1.length } == UInt64(size))
        #expect(chunks.dropLast().allSatisfy { $0.length >= 16 << 10 && $0.length <= 256 << 10 })
        // Streamed in windows of several sizes, the file is cut exactly where the whole is.
        #expect(chunks.map { Int($0.length) } == FastCDC().chunkLengths(content))

        try ws.delete("data/raw")
        let result = try ws.checkout("raw")
        #expect(result.written == 2)
        #expect(try ws.bytes("data/raw/big.bin") == content)
        #expect(try ws.status("raw").isClean)
    }

    @Test("symlinks inside the repo round-trip as symlinks")
    func symlinks() throws {
        let ws = try Workspace.make([
            "data/raw/a.csv": "1\n",
            "data/raw/nested/b.csv": "2\n",
            "data/raw/link": .symlink(to: "a.csv"),
            "data/raw/dirlink": .symlink(to: "nested"),
            "data/raw/nested/up": .symlink(to: "../a.csv"),
            "data/raw/nested/dotted": .symlink(to: "./../nested/../a.csv"),
        ])
        try ws.add("data/raw")
        try ws.commit()
        let files = try ws.files("raw")
        #expect(files["data/raw/link"]?.kind == .symlink)
        #expect(files["data/raw/link"]?.size == 5)
        #expect(files["data/raw/dirlink"]?.kind == .symlink)

        try ws.delete("data/raw")
        try ws.checkout("raw")
        for (path, target) in ["link": "a.csv", "dirlink": "nested", "nested/up": "../a.csv",
                               "nested/dotted": "./../nested/../a.csv"] {
            #expect(try ws.stat("data/raw/\(path)").kind == .symlink)
            #expect(try FileSystem.readLink(ws.absolute("data/raw/\(path)")) == target)
        }
        #expect(try ws.status("raw").isClean)
    }

    @Test("the executable bit round-trips, and toggling it alone is a change")
    func executableBit() throws {
        let ws = try Workspace.make(["data/tools/run.sh": .executable("#!/bin/sh\necho hi\n"), "data/tools/notes.txt": "n\n"])
        try ws.add("data/tools")
        try ws.commit()
        #expect(try ws.files("tools")["data/tools/run.sh"]?.kind == .executable)
        #expect(try ws.files("tools")["data/tools/notes.txt"]?.kind == .file)

        try ws.delete("data/tools")
        try ws.checkout("tools")
        #expect(try ws.stat("data/tools/run.sh").mode & 0o111 != 0)
        #expect(try ws.stat("data/tools/notes.txt").mode & 0o111 == 0)

        try ws.makeExecutable("data/tools/notes.txt")
        let status = try ws.status("tools")
        #expect(status.unstaged.map(\.path) == ["data/tools/notes.txt"])
        #expect(status.unstaged.first?.new?.kind == .executable)
        #expect(status.unstaged.first?.new?.id == status.unstaged.first?.old?.id)
    }

    @Test("adding a directory stages the deletion of tracked files missing from it")
    func stagesDeletions() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n", "data/raw/b.csv": "b\n"])
        try ws.add("data/raw")
        try ws.commit()
        try ws.delete("data/raw/b.csv")
        let result = try ws.add("data/raw")
        #expect(result.deleted == 1)
        let status = try ws.status("raw")
        #expect(status.staged.map(\.path) == ["data/raw/b.csv"])
        #expect(status.staged.first?.kind == .deleted)
        try ws.commit()
        #expect(try ws.files("raw").keys.sorted() == ["data/raw/a.csv"])
    }

    @Test("adding one file of a repo stages only that file")
    func addSingleFile() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n"])
        try ws.add("data/raw")
        try ws.write("data/raw/b.csv", "b\n")
        try ws.write("data/raw/c.csv", "c\n")
        let result = try ws.add("data/raw/b.csv")
        #expect(result.added == 1)
        let status = try ws.status("raw")
        #expect(status.staged.map(\.path) == ["data/raw/a.csv", "data/raw/b.csv"])
        #expect(status.untracked == ["data/raw/c.csv"])
    }

    @Test("a missing path, and a file outside every repo, are rejected")
    func rejectsUnknownPaths() throws {
        let ws = try Workspace.make(["notes.txt": "n\n"])
        expectThrows({ try ws.add("data/none") }) { (error: RepositoryError) in
            if case .pathNotFound(let path) = error { path } else { nil }
        }
        let path = expectThrows({ try ws.add("notes.txt") }) { (error: RepositoryError) in
            if case .notInAnyRepo(let path) = error { path } else { nil }
        }
        #expect(path == "notes.txt")
        #expect(try ws.project.repos().isEmpty)
    }
}

@Suite("the workspace scan's order")
struct ScanOrderTests {
    @Test("files come in byte order of their paths, a directory's files after a sibling 'a.b' and before 'a0'")
    func byteOrder() throws {
        let files = ["data/raw/a.b", "data/raw/a/x", "data/raw/a/y/z", "data/raw/a0", "data/raw/A", "data/raw/b/c/d",
                     "data/raw/b-c", "data/raw/é", "data/raw/z/a.b", "data/raw/z/a/b"]
        var contents = [String: FileContent]()
        for file in files { contents[file] = .bytes(Array(file.utf8)) }
        let ws = try Workspace.make(contents)
        let scanned = try WorkspaceScanner.scan("data/raw", root: ws.project.root, index: WorkspaceIndex()).changed.joined().map(\.path)
        #expect(scanned == files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // And the index agrees, file by file, after an add.
        try ws.add("data/raw")
        #expect(try WorkspaceIndex.load(ws.project.layout.workspaceIndexFile).entries.map(\.path) == scanned)
    }
}
