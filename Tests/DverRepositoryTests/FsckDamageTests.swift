import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Damage fsck must find besides object hashes: record headers and trailers, commit-set
/// records, file sizes that disagree with their chunks, escaping symlinks, and a repo list
/// changed by hand.
@Suite("fsck: record headers, trailers, commit sets, sizes, registry")
struct FsckDamageTests {
    static func project() throws -> Workspace {
        let ws = try Workspace.make(["data/raw/a.csv": "1,2\n", "data/raw/b.csv": "3,4\n"])
        try ws.add("data/raw")
        try ws.commit("first")
        return ws
    }

    @Test("every byte of every record header and of the trailer, flipped, is an fsck error")
    func headerAndTrailerFlips() throws {
        let ws = try Self.project()
        let pack = try #require(ws.project.store.packIndexes.first)
        let original = try FileSystem.readFile(pack.packPath)
        var positions = [Int]()
        for position in 0..<pack.count {
            let entry = try #require(pack.entry(at: position))
            positions += (Int(entry.offset) - PackFormat.recordHeaderSize)..<Int(entry.offset)
        }
        positions += (original.count - PackFormat.packTrailerSize)..<original.count
        for position in positions {
            try IntegrityTests.damage(pack.packPath) { $0 = original; $0[position] ^= 0x10 }
            let report = try ws.openAgain().fsck()
            #expect(!report.isHealthy, "byte \(position) flipped went unnoticed")
        }
        try IntegrityTests.damage(pack.packPath) { $0 = original }
        #expect(try ws.openAgain().fsck().isHealthy)
    }

    @Test("a damaged commit-set record is an fsck error, and gc names it instead of guessing", arguments: [
        "not json", #"{"id": "00", "time": 0, "message": "", "commits": {}}"#, "WRONG-COMMIT", "BAD-REPO",
    ])
    func commitSets(damage: String) throws {
        let ws = try Self.project()
        let directory = ws.project.layout.commitSetsDirectory
        let file = try #require(try FileSystem.list(directory).first?.name)
        let path = "\(directory)/\(file)"
        var text = try String(decoding: FileSystem.readFile(path), as: UTF8.self)
        switch damage {
        case "WRONG-COMMIT": text = text.replacingOccurrences(of: #""raw" : ""#, with: #""raw" : "00"#)
        case "BAD-REPO": text = text.replacingOccurrences(of: #""raw""#, with: #""../raw""#)
        default: text = damage
        }
        try FileSystem.writeAtomically(path, text: text, durable: false)
        let report = try ws.openAgain().fsck()
        #expect(report.errors.contains { $0.contains(file) || $0.contains("sets/") }, "\(report.errors)")
        #expect(throws: (any Error).self) { try ws.openAgain().collectGarbage() }
    }

    @Test("a file whose tree size disagrees with its chunk is an fsck error")
    func sizeMismatch() throws {
        let ws = try Self.project()
        let chunk = SHA256.hash(Array("xyz".utf8))
        let writer = ws.project.makeWriter()
        _ = try writer.put(chunk, kind: .chunk, bytes: Array("xyz".utf8))
        let (root, _) = try Crafted.tree([("f", .raw(TreeEntry(name: "", kind: .file, size: 4, id: chunk)))], writer: writer)
        try Crafted.commit(ws.project, repo: "raw", tree: root, writer: writer)
        let report = try ws.openAgain().fsck()
        #expect(report.errors.contains { $0.contains("tree says 4 bytes") }, "\(report.errors)")
    }

    @Test("a committed symlink that leaves its repo is an fsck error")
    func escapingSymlink() throws {
        let ws = try Self.project()
        try Crafted.commit(ws.project, repo: "raw", [("sub", .directory([("link", .symlink("../../x"))]))])
        let report = try ws.openAgain().fsck()
        #expect(report.errors.contains { $0.contains("symlink") }, "\(report.errors)")
    }

    @Test("overlapping mounts in repos.json are found even when other mounts sort between them")
    func overlappingMounts() throws {
        let ws = try Self.project()
        try ws.project.createRepo(name: "dash", mount: "data/raw-b")   // sorts between data/raw and data/raw/c
        try ws.project.createRepo(name: "inner", mount: "data/raw-x")
        let path = ws.project.layout.reposFile
        let text = try String(decoding: FileSystem.readFile(path), as: UTF8.self)
        try FileSystem.writeAtomically(path, text: text.replacingOccurrences(of: "data/raw-x", with: "data/raw/c"), durable: false)
        let report = try ws.openAgain().fsck()
        #expect(report.errors.contains { $0.contains("overlap") }, "\(report.errors)")
    }

    @Test("a mount changed by hand in repos.json is an fsck error; a mount into .git is refused outright",
          arguments: ["data/other", ".git/hooks"])
    func registryEdited(mount: String) throws {
        let ws = try Self.project()
        let path = ws.project.layout.reposFile
        let text = try String(decoding: FileSystem.readFile(path), as: UTF8.self)
        try FileSystem.writeAtomically(path, text: text.replacingOccurrences(of: "data/raw", with: mount), durable: false)
        let report = try ws.openAgain().fsck()
        #expect(!report.isHealthy)
        #expect(report.errors.contains { $0.contains(mount == ".git/hooks" ? "reserved" : "no repo's mount") }, "\(report.errors)")
    }
}
