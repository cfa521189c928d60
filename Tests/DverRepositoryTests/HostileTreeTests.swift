import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Trees that `add` would never write — as a hostile remote, a crafted git pin or a damaged
/// store could deliver them — checked out, diffed and listed: nothing outside the project
/// changes, nothing traps, and each fails with a named error.
@Suite("hostile trees: escaping symlinks, symlinks in the way, node bombs, sizes, names")
struct HostileTreeTests {
    /// A workspace with repo `raw` (one commit) and a sentinel directory beside the project.
    final class Fixture {
        let ws: Workspace
        let outside: String

        init() throws {
            ws = try Workspace.make(["data/raw/a.csv": "1\n"])
            try ws.add("data/raw")
            try ws.commit("first")
            outside = ws.root + "-outside"
            try FileSystem.createDirectories(outside)
            try FileSystem.writeAtomically("\(outside)/keep.txt", text: "untouched\n", durable: false)
        }

        deinit { try? FileSystem.removeTree(outside) }

        /// Every path and byte beneath the sentinel directory.
        func snapshotOutside() throws -> [String: [UInt8]] {
            var result = [String: [UInt8]]()
            func visit(_ directory: String) throws {
                for entry in try FileSystem.list(directory) {
                    let path = "\(directory)/\(entry.name)"
                    let status = try FileSystem.linkStatus(path)
                    if status.kind == .directory { result[path] = []; try visit(path) } else { result[path] = try FileSystem.readFile(path) }
                }
            }
            try visit(outside)
            return result
        }
    }

    @Test("a symlink leaving its repo is refused by checkout before any file is written", arguments: [
        "../../outside", "OUTSIDE", "sub/../../../x", "../raw-other", "/etc/passwd", "",
    ])
    func escapingSymlink(target: String) throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        let before = try fixture.snapshotOutside()
        let link = target == "OUTSIDE" ? fixture.outside : target
        // The link sorts before the file, so a writer going in tree order would meet it first.
        try Crafted.commit(ws.project, repo: "raw", [("a.csv", .file(Array("2\n".utf8))), ("link", .symlink(link)),
                                                     ("zz", .directory([("pwn", .file(Array("x".utf8)))]))])
        let refused = expectThrows({ try ws.checkout("raw@main") }) { (error: RepositoryError) in
            if case .symlinkEscapes(let path, _) = error { path } else { nil }
        }
        #expect(refused == "data/raw/link")
        #expect(try ws.text("data/raw/a.csv") == "1\n", "nothing is written when a link is refused")
        #expect(!ws.exists("data/raw/link"))
        #expect(!ws.exists("data/raw/zz"))
        #expect(try fixture.snapshotOutside() == before)
        #expect(!FileSystem.exists(ws.project.layout.storeDirectory + "/checkout.json"), "a refused checkout leaves no intent")
        try ws.add("data/raw")
    }

    @Test("a symlink in the workspace never redirects a write, whichever comes first", arguments: [true, false])
    func symlinkInTheWay(absolute: Bool) throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        let before = try fixture.snapshotOutside()
        // The user (or anything) put a symlink to a directory outside where a directory will go.
        let target = absolute ? fixture.outside : "../../../" + RepoPath.lastComponent(fixture.outside)
        try FileSystem.createSymlink(ws.absolute("data/raw/dir"), target: target)
        try Crafted.commit(ws.project, repo: "raw", [("a.csv", .file(Array("1\n".utf8))),
                                                     ("dir", .directory([("pwn", .file(Array("x".utf8)))]))])
        // Untracked and in the way: refused without --force.
        expectThrows({ try ws.checkout("raw@main") }) { (error: RepositoryError) in
            if case .uncommittedChanges(_, let paths) = error { paths } else { nil }
        }
        try ws.checkout("raw@main", force: true)
        #expect(try ws.stat("data/raw/dir").kind == .directory)
        #expect(try ws.text("data/raw/dir/pwn") == "x")
        #expect(try fixture.snapshotOutside() == before)
    }

    @Test("a tracked symlink replaced by a directory is replaced, not followed")
    func trackedSymlinkBecomesDirectory() throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        try Crafted.commit(ws.project, repo: "raw", [("a.csv", .file(Array("1\n".utf8))), ("link", .symlink("sub")),
                                                     ("sub", .directory([("x", .file(Array("x".utf8)))]))])
        try ws.checkout("raw@main")
        #expect(try FileSystem.readLink(ws.absolute("data/raw/link")) == "sub")
        try Crafted.commit(ws.project, repo: "raw", [("a.csv", .file(Array("1\n".utf8))),
                                                     ("link", .directory([("pwn", .file(Array("p".utf8)))])),
                                                     ("sub", .directory([("x", .file(Array("x".utf8)))]))])
        try ws.checkout("raw@main")
        #expect(try ws.stat("data/raw/link").kind == .directory)
        #expect(try ws.text("data/raw/link/pwn") == "p")
        #expect(!ws.exists("data/raw/sub/pwn"), "the write did not go through the old link")
    }

    @Test("rm and restore do not reach through a symlinked directory")
    func removeThroughSymlink() throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        let before = try fixture.snapshotOutside()
        try FileSystem.createSymlink(ws.absolute("data/raw/linkdir"), target: fixture.outside)
        expectThrows({ try ws.add("data/raw/linkdir/keep.txt") }) { (error: RepositoryError) in
            if case .pathThroughSymlink(let path) = error { path } else { nil }
        }
        // A damaged index naming a path beneath the link: rm untracks it but deletes nothing outside.
        var index = try ws.index()
        let ref = try #require(try ws.indexEntry("data/raw/a.csv")?.staged)
        index.upsert(IndexEntry(path: "data/raw/linkdir/keep.txt", staged: ref, base: nil, stat: .empty))
        try index.save(ws.project.layout.workspaceIndexFile)
        _ = try ws.project.remove(["data/raw/linkdir/keep.txt"], keepFiles: false, force: true)
        #expect(try fixture.snapshotOutside() == before)
    }

    @Test("a tree that plants .git or .dver (any case) inside a repo is refused", arguments: [".git", ".GIT", ".dver", ".Dver"])
    func reservedNames(name: String) throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        try Crafted.commit(ws.project, repo: "raw", [("a.csv", .file(Array("1\n".utf8))),
                                                     (name, .directory([("hooks", .directory([("post-checkout", .file(Array("#!/bin/sh\n".utf8)))]))]))])
        #expect(throws: (any Error).self) { try ws.checkout("raw@main") }
        #expect(!ws.exists("data/raw/\(name)"))
    }

    @Test("a node bomb (2^40 files from 11 objects) fails at once in checkout, diff, ls and pipelines' walks")
    func nodeBomb() throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        let writer = ws.project.makeWriter()
        let bomb = try Crafted.bomb(levels: 10, width: 16, writer: writer)
        let (root, _) = try Crafted.tree([("a.csv", .file(Array("1\n".utf8))),
                                          ("bomb", .raw(TreeEntry(name: "", kind: .directory, size: 5 << 40, id: bomb)))], writer: writer)
        try Crafted.commit(ws.project, repo: "raw", tree: root, writer: writer)
        let started = Date()
        for body in [{ _ = try ws.checkout("raw@main") },
                     { _ = try ws.project.diffTrees(try ws.tree("raw@main~1"), try ws.tree("raw@main"), prefix: "") },
                     { _ = try TreeReader(store: ws.project.store).files(root) }] as [() throws -> Void] {
            expectThrows(body) { (error: RepositoryError) in
                if case .treeTooLarge = error { true } else { nil }
            }
        }
        #expect(Date().timeIntervalSince(started) < 60, "a bomb is refused by its census, not by walking it")
        #expect(try ws.text("data/raw/a.csv") == "1\n")
        let report = try ws.project.fsck()
        #expect(report.commitsChecked == 2, "fsck ends, and checks the commits beyond the bomb")
        #expect(report.errors.contains { $0.contains("refused") }, "\(report.errors)")
    }

    @Test("a directory whose recorded size disagrees with its files is corrupt")
    func directorySizeMismatch() throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        let writer = ws.project.makeWriter()
        let (sub, size) = try Crafted.tree([("x", .file(Array("xyz".utf8)))], writer: writer)
        let (root, _) = try Crafted.tree([("sub", .raw(TreeEntry(name: "", kind: .directory, size: size + 1, id: sub)))], writer: writer)
        try Crafted.commit(ws.project, repo: "raw", tree: root, writer: writer)
        expectThrows({ try ws.checkout("raw@main") }) { (error: StoreError) in
            if case .corruptObject(_, let reason) = error { reason } else { nil }
        }
    }

    @Test("sizes at the integer limits are refused without a trap", arguments: [UInt64.max, UInt64.max - 1, UInt64(1) << 62, (UInt64(1) << 62) + 1])
    func hugeSizes(size: UInt64) throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        let writer = ws.project.makeWriter()
        let chunk = SHA256.hash(Array("x".utf8))
        _ = try writer.put(chunk, kind: .chunk, bytes: Array("x".utf8))
        let entries: [(String, Crafted.Item)] = [("a", .raw(TreeEntry(name: "", kind: .file, size: size, id: chunk))),
                                                 ("b", .raw(TreeEntry(name: "", kind: .file, size: size, id: chunk)))]
        let (root, _) = try Crafted.tree(entries, writer: writer)
        try Crafted.commit(ws.project, repo: "raw", tree: root, writer: writer)
        #expect(throws: (any Error).self) { try ws.checkout("raw@main") }
        _ = try? ws.project.diskUsage()
        #expect(try ws.text("data/raw/a.csv") == "1\n")
    }

    @Test("a chunk list whose shared nodes expand to absurdly many chunks is refused before expansion")
    func chunkListBomb() throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        let writer = ws.project.makeWriter()
        let chunk = SHA256.hash(Array("x".utf8))
        _ = try writer.put(chunk, kind: .chunk, bytes: Array("x".utf8))
        var node = ChunkListNode(level: 0, entries: Array(repeating: .init(id: chunk, length: 1), count: 1024))
        for level in 1...3 {
            let bytes = node.encoded()
            let id = SHA256.hash(bytes)
            _ = try writer.put(id, kind: .chunkList, bytes: bytes)
            node = ChunkListNode(level: level, entries: Array(repeating: .init(id: id, length: node.totalLength), count: 1024))
        }
        let bytes = node.encoded()
        let list = SHA256.hash(bytes)
        _ = try writer.put(list, kind: .chunkList, bytes: bytes)
        let (root, _) = try Crafted.tree([("big", .raw(TreeEntry(name: "", kind: .file, chunked: true, size: node.totalLength, id: list)))],
                                         writer: writer)
        try Crafted.commit(ws.project, repo: "raw", tree: root, writer: writer)
        let reason = expectThrows({ try ws.checkout("raw@main") }) { (error: StoreError) in
            if case .corruptObject(_, let reason) = error { reason } else { nil }
        }
        #expect(reason?.contains("chunks") == true)
    }

    @Test("two names equal under Unicode normalization: refused in a tree and by add")
    func unicodeNormalization() throws {
        let fixture = try Fixture()
        let ws = fixture.ws
        let composed = "caf\u{E9}.csv"
        let decomposed = "cafe\u{301}.csv"
        #expect(!composed.utf8.elementsEqual(decomposed.utf8))
        try Crafted.commit(ws.project, repo: "raw", [(composed, .file(Array("1".utf8))), (decomposed, .file(Array("2".utf8)))])
        expectThrows({ try ws.checkout("raw@main") }) { (error: StoreError) in
            if case .corruptObject(_, let reason) = error, reason.contains("Unicode") { true } else { nil }
        }
        // (A dictionary literal cannot hold both: Swift's String keys conflate them.)
        let other = try Workspace.make()
        try other.write("data/set/\(composed)", "1\n")
        try other.write("data/set/\(decomposed)", "2\n")
        let pair = expectThrows({ try other.add("data/set") }) { (error: RepositoryError) in
            if case .equivalentNames(let first, let second) = error { [first, second] } else { nil }
        }
        #expect(Set(pair ?? []) == ["data/set/\(composed)", "data/set/\(decomposed)"])
        #expect(try other.project.repos().isEmpty, "nothing was added, not even the repo")
    }

    @Test("one name in either normalization is stored and restored as its bytes")
    func unicodeSingleName() throws {
        let decomposed = "cafe\u{301}.csv"
        let ws = try Workspace.make(["data/set/\(decomposed)": "1\n"])
        try ws.add("data/set")
        try ws.commit()
        #expect(try ws.files("set@main").keys.first?.utf8.elementsEqual("data/set/\(decomposed)".utf8) == true)
        try ws.delete("data/set/\(decomposed)")
        try ws.checkout("set@main", force: true)
        #expect(try FileSystem.list(ws.absolute("data/set")).map(\.name).first?.utf8.elementsEqual(decomposed.utf8) == true)
        #expect(try ws.status("set").isClean)
    }
}
