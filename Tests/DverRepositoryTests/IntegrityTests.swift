import DverCore
import DverRepository
import DverStore
import DverSystem
import Testing

@Suite("integrity: fsck and refusing to write damaged data")
struct IntegrityTests {
    /// Rewrites a pack file (packs are created read-only).
    static func damage(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = try FileSystem.readFile(path)
        change(&bytes)
        try FileSystem.changeMode(path, 0o644)
        try FileSystem.writeAtomically(path, bytes, durable: false)
    }

    /// `raw` with `victim` committed at main~1 and deleted at main, so checking out main~1 must write it.
    static func committedThenDeleted(_ victim: FileContent) throws -> Workspace {
        let ws = try Workspace.make(["data/raw/victim.bin": victim, "data/raw/ok.csv": "fine\n"])
        try ws.add("data/raw")
        try ws.commit("with victim")
        try ws.project.remove(["data/raw/victim.bin"], keepFiles: false, force: false)
        try ws.commit("without victim")
        return ws
    }

    @Test("a healthy store passes fsck with every commit and object checked")
    func healthy() throws {
        let ws = try Self.committedThenDeleted(.random(size: 3_000_000, seed: 30))
        let report = try ws.project.fsck()
        #expect(report.isHealthy, "\(report.errors)")
        #expect(report.warnings.isEmpty)
        #expect(report.commitsChecked == 2)
        #expect(report.packsChecked == ws.project.store.packIndexes.count)
        #expect(report.objectsChecked == ws.project.store.packIndexes.reduce(0) { $0 + $1.count })
        #expect(report.bytesVerified > 3_000_000)
    }

    @Test("a flipped byte in a committed file's data is an fsck error naming the object, and checkout refuses to write it",
          arguments: [(content: "random 10 kB", chunk: 0), ("text 10 kB", 0), ("random 3 MB", 1)])
    func flippedByte(content: String, chunk: Int) throws {
        let victim: FileContent = switch content {
        case "random 10 kB": .random(size: 10_000, seed: 31)
        case "text 10 kB": .csv(size: 10_000, seed: 31)
        default: .random(size: 3_000_000, seed: 31)
        }
        let ws = try Self.committedThenDeleted(victim)
        let ref = try #require(try ws.files("raw@main~1")["data/raw/victim.bin"])
        let id = ref.chunked ? try ChunkListBuilder.chunks(of: ref.id, store: ws.project.store)[chunk].id : ref.id
        let (handle, entry) = try #require(ws.project.store.locate(id))
        try Self.damage(handle.index.packPath) { $0[Int(entry.offset) + Int(entry.storedLength) / 2] ^= 0x20 }

        let project = try ws.openAgain()
        let report = try project.fsck()
        #expect(!report.isHealthy)
        #expect(report.errors.contains { $0.contains(id.hex) }, "\(report.errors)")

        let thrown = expectThrows({ try project.checkout(RevisionSpec(parsing: "raw@main~1"), force: false) }) {
            (error: StoreError) in if case .corruptObject(let id, _) = error { id } else { nil }
        }
        #expect(thrown == id)
        #expect(!ws.exists("data/raw/victim.bin"), "no file with wrong bytes is left behind")
        #expect(try FileSystem.list(ws.absolute("data/raw")).allSatisfy { !$0.name.hasPrefix(".dver-tmp-") })
        #expect(try project.repo(named: "raw").branch == "main", "the failed checkout did not move the repo")
        #expect(throws: StoreError.self) {
            try project.restore(["data/raw/victim.bin"], source: RevisionSpec(parsing: "raw@main~1"))
        }
        #expect(!ws.exists("data/raw/victim.bin"))
    }

    @Test("a truncated pack is an fsck error")
    func truncatedPack() throws {
        let ws = try Self.committedThenDeleted(.random(size: 100_000, seed: 32))
        let pack = try #require(ws.project.store.packIndexes.max { $0.packSize < $1.packSize })
        try Self.damage(pack.packPath) { $0.removeLast($0.count / 2) }
        let report = try ws.openAgain().fsck()
        #expect(!report.isHealthy)
        #expect(report.errors.contains { $0.contains(pack.name) }, "\(report.errors)")
    }

    @Test("a leftover pack without an index and files in .dver/tmp are warnings, not errors")
    func leftovers() throws {
        let ws = try Self.committedThenDeleted("v\n")
        let orphan = "\(ws.project.layout.packsDirectory)/pack-\(String(repeating: "ab", count: 32)).pack"
        try FileSystem.writeAtomically(orphan, Array("DVERPACK partial".utf8), durable: false)
        try FileSystem.writeAtomically("\(ws.project.layout.temporaryDirectory)/pack-123.tmp", [1, 2, 3], durable: false)

        let project = try ws.openAgain()
        let report = try project.fsck()
        #expect(report.isHealthy, "\(report.errors)")
        #expect(report.warnings.count == 2)
        #expect(report.warnings.contains { $0.contains("pack-abab") })
        #expect(report.warnings.contains { $0.contains("tmp/pack-123.tmp") })

        try ws.write("data/raw/more.csv", "more\n")
        try project.add(["data/raw"])
        #expect(try project.commit(message: "still works").commits.count == 1)
    }

    @Test("objects missing from the store are reported for refs and for the index")
    func missingObjects() throws {
        let ws = try Self.committedThenDeleted("v\n")
        let packsBefore = Set(ws.project.store.packIndexes.map(\.name))
        try ws.write("data/raw/new.csv", "a new chunk in a new pack\n")
        try ws.add("data/raw")
        let commit = try #require(try ws.commit("newest").commits.first?.commit)
        for pack in ws.project.store.packIndexes where !packsBefore.contains(pack.name) {
            try FileSystem.remove(pack.packPath)
            try FileSystem.remove(pack.indexPath)
        }
        let report = try ws.openAgain().fsck()
        #expect(report.errors.contains { $0.contains("missing commit \(commit.hex)") }, "\(report.errors)")
        #expect(report.errors.contains { $0.contains("index: data/raw/new.csv") }, "\(report.errors)")
    }

    @Test("a ref that does not hold an id is an fsck error")
    func garbageRef() throws {
        let ws = try Self.committedThenDeleted("v\n")
        try FileSystem.writeAtomically("\(ws.project.layout.refsDirectory)/raw/heads/main", text: "not an id\n")
        let report = try ws.project.fsck()
        #expect(!report.isHealthy)
        #expect(report.errors.contains { $0.contains("heads/main") }, "\(report.errors)")
    }
}
