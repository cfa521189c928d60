import DverCore
import DverRepository
import DverStore
import Testing

@Suite("huge directories: split tree nodes, local rewrites")
struct LargeDirectoryTests {
    static let fileCount = 5_000

    static func name(_ number: Int) -> String { "f\(String(number + 100_000).dropFirst()).csv" }

    /// `raw` with 5,000 small files in data/raw/big/ and one beside it, committed.
    static func committed() throws -> Workspace {
        var files: [String: FileContent] = ["data/raw/top.csv": "top\n"]
        for number in 0..<fileCount { files["data/raw/big/\(name(number))"] = .bytes(Array("\(number)\n".utf8)) }
        let ws = try Workspace.make(files)
        try ws.add("data/raw")
        try ws.commit("5,000 files")
        return ws
    }

    /// Tree objects in the store with their total encoded size.
    static func trees(_ ws: Workspace) -> (count: Int, bytes: UInt64) {
        var count = 0
        var bytes: UInt64 = 0
        for index in ws.project.store.packIndexes {
            for position in 0..<index.count {
                guard let entry = index.entry(at: position), entry.kind == .tree else { continue }
                count += 1
                bytes += UInt64(entry.rawLength)
            }
        }
        return (count, bytes)
    }

    @Test("5,000 entries are split into leaf nodes under interior nodes, and read back in order")
    func splitIntoNodes() throws {
        let ws = try Self.committed()
        let reader = TreeReader(store: ws.project.store)
        let big = try #require(try reader.entry(at: "big", root: ws.tree("raw")))
        #expect(big.kind == .directory)
        #expect(big.size == (0..<Self.fileCount).reduce(UInt64(0)) { $0 + UInt64("\($1)\n".utf8.count) })

        let root = try ws.project.store.decodeTree(big.id)
        guard case .interior(let level, let children) = root.content else {
            Issue.record("the root node of a 5,000-entry directory should be interior"); return
        }
        #expect(level >= 1)
        #expect(children.count > 1)
        #expect(Self.trees(ws).count > 20, "many leaf nodes, not one flat listing")

        let entries = try reader.entries(big.id)
        #expect(entries.count == Self.fileCount)
        #expect(entries.map(\.name) == (0..<Self.fileCount).map(Self.name))
        for number in [0, 1, 2_499, 4_998, 4_999] {
            let found = try reader.lookup(Self.name(number), in: big.id)
            #expect(found?.id == SHA256.hash("\(number)\n"))
        }
        #expect(try reader.lookup("f99999.csv", in: big.id) == nil)
        #expect(try reader.lookup("a.csv", in: big.id) == nil)
    }

    @Test("changing one file rewrites only a few tree nodes", arguments: [0, 2_500, 4_999])
    func oneChangeIsLocal(number: Int) throws {
        let ws = try Self.committed()
        let before = Self.trees(ws)
        try ws.write("data/raw/big/\(Self.name(number))", "changed\n")
        try ws.add("data/raw")
        try ws.commit("one change")
        let after = Self.trees(ws)
        let newNodes = after.count - before.count
        #expect(newNodes >= 3, "a leaf, its interior parents and the repo root change")
        #expect(newNodes <= 6, "\(newNodes) new tree nodes")
        #expect((after.bytes - before.bytes) * 10 < before.bytes, "new tree bytes are a small part of the listing")

        let changes = try ws.project.diffTrees(ws.tree("raw@main~1"), ws.tree("raw"), prefix: "data/raw")
        #expect(changes.map(\.path) == ["data/raw/big/\(Self.name(number))"])
    }

    @Test("adding and removing entries keeps unrelated nodes shared")
    func insertAndDelete() throws {
        let ws = try Self.committed()
        let before = Self.trees(ws)
        try ws.write("data/raw/big/f02500a.csv", "inserted\n")
        try ws.delete("data/raw/big/\(Self.name(10))")
        try ws.add("data/raw")
        try ws.commit()
        #expect(Self.trees(ws).count - before.count <= 9)
        let entries = try TreeReader(store: ws.project.store).entries(
            try #require(try TreeReader(store: ws.project.store).entry(at: "big", root: ws.tree("raw"))).id)
        #expect(entries.count == Self.fileCount)
        #expect(entries.map(\.name).contains("f02500a.csv"))
        #expect(!entries.map(\.name).contains(Self.name(10)))
        #expect(try ws.status("raw").isClean)
    }
}
