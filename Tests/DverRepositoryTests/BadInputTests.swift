import DverCore
import DverRepository
import DverStore
import DverSystem
import Testing

@Suite("bad input: paths outside the project, escaping symlinks, special files, crafted trees")
struct BadInputTests {
    @Test("user paths resolve relative to the working directory", arguments: [
        ("data/raw/a.csv", "", "data/raw/a.csv"),
        ("raw/a.csv", "data", "data/raw/a.csv"),
        ("../data/x", "data", "data/x"),
        ("./data//raw/", "", "data/raw"),
        (".", "", ""),
        ("..", "data", ""),
    ])
    func relativePaths(path: String, workingDirectory: String, expected: String) throws {
        let ws = try Workspace.make()
        try FileSystem.createDirectories(ws.absolute("data"))
        #expect(try ws.project.relativePath(path, workingDirectory: ws.absolute(workingDirectory)) == expected)
    }

    @Test("paths outside the project are rejected", arguments: ["../x", "../../etc/passwd", "/etc", "/", "ROOT-evil/x"])
    func outsideProject(path: String) throws {
        let ws = try Workspace.make()
        let userPath = path.hasPrefix("ROOT") ? ws.root + path.dropFirst(4) : path
        let rejected = expectThrows({ try ws.project.relativePath(userPath, workingDirectory: ws.root) }) {
            (error: RepositoryError) in if case .pathOutsideProject(let path) = error { path } else { nil }
        }
        #expect(rejected == userPath)
    }

    @Test("paths inside .dver are rejected", arguments: [".dver", ".dver/packs", "./.dver/index", "data/../.dver"])
    func insideStore(path: String) throws {
        let ws = try Workspace.make()
        expectThrows({ try ws.project.relativePath(path, workingDirectory: ws.root) }) { (error: RepositoryError) in
            if case .pathInsideStore = error { true } else { nil }
        }
    }

    @Test("add and createRepo refuse a path inside .dver", arguments: [".dver", ".dver/packs", ".dver/tmp"])
    func addInsideStore(path: String) throws {
        let ws = try Workspace.make()
        expectThrows({ try ws.project.add([path]) }) { (error: RepositoryError) in
            if case .pathInsideStore = error { true } else { nil }
        }
        expectThrows({ try ws.project.createRepo(name: "store", mount: path) }) { (error: RepositoryError) in
            if case .pathInsideStore = error { true } else { nil }
        }
        #expect(try ws.project.repos().isEmpty)
    }

    @Test("a symlink pointing outside its repo is symlinkEscapes, and nothing is staged", arguments: [
        ("data/raw/link", "/etc/passwd"),
        ("data/raw/sub/link", "../../x"),
        ("data/raw/link", "../x"),
        ("data/raw/link", "sub/../../x"),
        ("data/raw/link", "../raw-other/a.csv"),
        ("data/raw/sub/link", "../../../../../../../../etc/passwd"),
    ])
    func escapingSymlink(link: String, target: String) throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n", "data/raw/sub/b.csv": "b\n"])
        try ws.add("data/raw")
        try ws.commit()
        let index = try FileSystem.readFile(ws.project.layout.workspaceIndexFile)
        try ws.write(link, .symlink(to: target))
        try ws.write("data/raw/new.csv", "staged only if the add succeeds\n")

        let reported = expectThrows({ try ws.add("data/raw") }) { (error: RepositoryError) in
            if case .symlinkEscapes(let path, let target) = error { "\(path) -> \(target)" } else { nil }
        }
        #expect(reported == "\(link) -> \(target)")
        #expect(try FileSystem.readFile(ws.project.layout.workspaceIndexFile) == index)
        #expect(try ws.status("raw").staged.isEmpty)
    }

    @Test("an escaping symlink in a new directory creates no repo")
    func escapingSymlinkNewRepo() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n", "data/raw/link": .symlink(to: "/etc/passwd")])
        expectThrows({ try ws.add("data/raw") }) { (error: RepositoryError) in
            if case .symlinkEscapes = error { true } else { nil }
        }
        #expect(try ws.project.repos().isEmpty)
        #expect(try ws.index().entries.isEmpty)
    }

    @Test("a FIFO cannot be tracked and is never opened", .timeLimit(.minutes(1)))
    func fifo() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n", "data/raw/pipe": .fifo])
        let path = expectThrows({ try ws.add("data/raw") }) { (error: RepositoryError) in
            if case .unsupportedFileType(let path) = error { path } else { nil }
        }
        #expect(path == "data/raw/pipe")
        #expect(try ws.index().entries.isEmpty)

        try ws.delete("data/raw/pipe")
        try ws.add("data/raw")
        try ws.commit()
        try ws.write("data/raw/pipe", .fifo)
        #expect(try ws.status("raw").untracked == ["data/raw/pipe"], "status lists it without reading it")
    }

    @Test("tree nodes naming '..', '.', '' or a path are rejected when decoded", arguments: ["..", ".", "", "a/b", "x\0y"])
    func craftedTreeName(name: String) throws {
        let entry = TreeEntry(name: name, kind: .file, size: 1, id: SHA256.hash("x"))
        let bytes = TreeNode(.leaf([entry])).encoded()
        #expect(throws: CoreError.self) { try TreeNode.decode(bytes) }
    }

    /// A store holding a tree whose directory is named `..` (as a malicious remote could send).
    @Test("checking out a crafted tree with a '..' directory throws and writes nothing outside the mount")
    func craftedTreeCheckout() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n"])
        try ws.add("data/raw")
        let good = try #require(try ws.commit().commits.first?.commit)

        let writer = ws.project.makeWriter()
        let payload = Array("escaped\n".utf8)
        try writer.put(SHA256.hash(payload), kind: .chunk, bytes: payload)
        let inner = TreeNode(.leaf([TreeEntry(name: "escaped.txt", kind: .file, size: 8, id: SHA256.hash(payload))]))
        let innerID = try writer.put(encoded: inner.encoded(), kind: .tree)
        let evil = TreeNode(.leaf([TreeEntry(name: "..", kind: .directory, size: 8, id: innerID)]))
        let evilID = try writer.put(encoded: evil.encoded(), kind: .tree)
        let commit = Commit(repo: "raw", tree: evilID, parents: [good], time: 0, author: "mallory", message: "evil",
                            commitSet: nil)
        let commitID = try writer.put(encoded: commit.encoded(), kind: .commit)
        _ = try writer.finish()
        try ws.project.refs.update(repo: "raw", branch: "evil", to: commitID, expected: nil)

        #expect(throws: CoreError.self) { try ws.checkout("raw@evil", force: true) }
        #expect(!ws.exists("data/escaped.txt"))
        #expect(try ws.text("data/raw/a.csv") == "a\n")
        #expect(try ws.project.repo(named: "raw").branch == "main")
        let report = try ws.project.fsck()
        #expect(report.errors.contains { $0.contains(evilID.hex) }, "fsck names the crafted tree: \(report.errors)")
    }
}
