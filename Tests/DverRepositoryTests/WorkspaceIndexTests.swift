import DverCore
import DverRepository
import DverStore
import DverSystem
import Testing

@Suite("workspace index: encoding and path ranges")
struct WorkspaceIndexTests {
    static func entry(_ path: String, staged: String? = "s", base: String? = nil) -> IndexEntry {
        func ref(_ text: String) -> FileRef { FileRef(kind: .file, chunked: false, size: UInt64(text.utf8.count), id: SHA256.hash(text)) }
        return IndexEntry(path: path, staged: staged.map(ref), base: base.map(ref),
                          stat: staged == nil ? .empty : StatCache(size: 1, modificationNanoseconds: 1_700_000_000_123_456_789,
                                                                    changeNanoseconds: -5, inode: .max, mode: 0o100755))
    }

    static let sample: WorkspaceIndex = {
        var index = WorkspaceIndex(bases: ["raw": SHA256.hash("commit"), "ref": SHA256.hash("other")])
        for entry in [entry("data/raw/a", staged: "new", base: "old"), entry("data/raw/b", staged: nil, base: "gone"),
                      entry("data/raw/c", staged: "added"), entry("data/ref/ü.csv", staged: "same", base: "same")] {
            index.upsert(entry)
        }
        return index
    }()

    @Test("encode and decode round-trip entries, stat data and bases")
    func roundTrip() throws {
        let decoded = try WorkspaceIndex.decode(Self.sample.encoded())
        #expect(decoded.entries == Self.sample.entries)
        #expect(decoded.bases == Self.sample.bases)
        #expect(decoded.entries.map(\.hasStagedChange) == [true, true, true, false])
    }

    @Test("save and load keep the entries and record the file's mtime for the racy rule")
    func saveAndLoad() throws {
        let ws = try Workspace.make()
        let path = "\(ws.root)/index-copy"
        try Self.sample.save(path, durable: false)
        let loaded = try WorkspaceIndex.load(path)
        #expect(loaded.entries == Self.sample.entries)
        #expect(loaded.loadedTime == (try FileSystem.linkStatus(path)).modificationNanoseconds)
        #expect(try WorkspaceIndex.load("\(ws.root)/missing").entries.isEmpty)
    }

    @Test("truncated or damaged bytes are CoreErrors, not crashes", arguments: [1, 8, 13, 40, 100])
    func damaged(cut: Int) throws {
        let bytes = Self.sample.encoded()
        #expect(throws: CoreError.self) { try WorkspaceIndex.decode(Array(bytes.dropLast(cut))) }
        var flipped = bytes
        flipped[0] ^= 0xFF
        #expect(throws: CoreError.self) { try WorkspaceIndex.decode(flipped) }
        #expect(throws: CoreError.self) { try WorkspaceIndex.decode(bytes + [0]) }
    }

    @Test("an intact index from a newer version is unsupportedVersion; a flipped version byte is damage")
    func newerVersion() throws {
        var bytes = Self.sample.encoded()
        bytes[11] = 9
        let flipped = bytes
        bytes.replaceSubrange((bytes.count - 4)..., with: withUnsafeBytes(of: Checksum.crc32(Array(bytes.dropLast(4))).bigEndian, Array.init))
        #expect(throws: CoreError.unsupportedVersion(what: "workspace index", version: 9, supported: 3)) {
            try WorkspaceIndex.decode(bytes)
        }
        #expect(throws: CoreError.malformedObject(what: "workspace index", reason: "checksum mismatch (the file is damaged)")) {
            try WorkspaceIndex.decode(flipped)
        }
    }

    @Test("every single-byte change of an index is detected")
    func everyByteFlip() throws {
        let bytes = Self.sample.encoded()
        for position in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[position] ^= flip
                #expect(throws: CoreError.self, "byte \(position) ^ \(flip)") { try WorkspaceIndex.decode(damaged) }
            }
        }
    }

    @Test("indexes of versions 1 (no checksum) and 2 (every base in full) written by an older dver still load", arguments: [1, 2] as [UInt32])
    func olderVersions(version: UInt32) throws {
        let bytes = Self.sample.encoded(version: version)
        #expect(bytes.count > Self.sample.encoded().count, "version 3 leaves out bases equal to the staged version")
        let decoded = try WorkspaceIndex.decode(bytes)
        #expect(decoded.entries == Self.sample.entries)
    }

    @Test("entry flags that no writer makes are damage even under a valid checksum", arguments: [
        (UInt32(3), UInt8(4)), (3, 5), (3, 6), (3, 0x0F), (3, 0x87), (2, 7),
    ])
    func hostileFlags(version: UInt32, flags: UInt8) throws {
        let same = Self.entry("data/raw/q", staged: "same", base: "same")
        var bytes = Array(WorkspaceIndex(entries: [same]).encoded(version: version).dropLast(4))
        let path = Array("data/raw/q".utf8)
        let at = try #require((0...(bytes.count - path.count)).first { Array(bytes[$0..<$0 + path.count]) == path }) + path.count
        bytes[at] = flags
        let damaged = IndexFuzzTests.withChecksum(bytes + [0, 0, 0, 0])
        #expect(throws: CoreError.self) { try WorkspaceIndex.decode(damaged) }
    }

    @Test("a base equal to the staged version is one flag; changing the staged version keeps the base")
    func sharedBase() throws {
        let old = FileRef(kind: .file, chunked: false, size: 1, id: SHA256.hash("1"))
        let new = FileRef(kind: .file, chunked: false, size: 2, id: SHA256.hash("22"))
        var entry = IndexEntry(path: "data/raw/a", staged: old, base: old, stat: .empty)
        #expect(entry.baseIsStaged && !entry.hasStagedChange)
        entry.staged = new
        #expect(entry.base == old && entry.staged == new && !entry.baseIsStaged && entry.hasStagedChange)
        entry.staged = nil
        #expect(entry.base == old && entry.staged == nil)
        entry.staged = old
        #expect(entry.baseIsStaged)
        entry.base = nil
        #expect(entry.staged == old && entry.base == nil)
        let index = WorkspaceIndex(entries: [IndexEntry(path: "data/raw/a", staged: old, base: old, stat: .empty),
                                             IndexEntry(path: "data/raw/b", staged: new, base: old, stat: .empty)])
        #expect(try WorkspaceIndex.decode(index.encoded()).entries == index.entries)
    }

    @Test("a damaged index stops commit and add with an integrity error; restore --staged . rebuilds it from the heads")
    func damagedIndexRecovery() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/b.csv": "2\n"])
        try ws.add("data/raw")
        let first = try ws.commit("first")
        try ws.write("data/raw/a.csv", "changed\n")
        try ws.add("data/raw")
        let path = ws.project.layout.workspaceIndexFile
        var bytes = try FileSystem.readFile(path)
        bytes[bytes.count / 2] ^= 0x04
        try FileSystem.writeAtomically(path, bytes, durable: false)
        expectThrows({ try ws.commit("second") }) { (error: RepositoryError) in
            if case .damagedIndex = error { true } else { nil }
        }
        expectThrows({ try ws.add("data/raw") }) { (error: RepositoryError) in
            if case .damagedIndex = error { true } else { nil }
        }
        #expect(try ws.commitID("raw@main") == first.commits[0].commit, "no commit was made")
        _ = try ws.project.restore([""], unstage: true)
        let status = try ws.status("raw")
        #expect(status.staged.isEmpty)
        #expect(status.unstaged.map(\.path) == ["data/raw/a.csv"], "the edit shows as unstaged again")
        #expect(try FileSystem.list(ws.project.layout.storeDirectory).contains { $0.name.hasPrefix("index.damaged-") })
        try ws.add("data/raw")
        try ws.commit("second")
        #expect(try ws.project.fsck().isHealthy)
    }

    @Test("commit refuses a staged version whose objects are not in the store, and writes nothing")
    func commitVerifiesObjects() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        let first = try ws.commit("first")
        var index = try ws.index()
        let missing = FileRef(kind: .file, chunked: false, size: 5, id: SHA256.hash("not stored"))
        index.upsert(IndexEntry(path: "data/raw/ghost.csv", staged: missing, base: nil, stat: .empty))
        try index.save(ws.project.layout.workspaceIndexFile)
        let packs = ws.project.store.packIndexes.count
        let id = expectThrows({ try ws.commit("second") }) { (error: RepositoryError) in
            if case .stagedObjectMissing(_, let id) = error { id } else { nil }
        }
        #expect(id == missing.id)
        #expect(try ws.commitID("raw@main") == first.commits[0].commit)
        try ws.project.store.reload()
        #expect(ws.project.store.packIndexes.count == packs, "no pack was written")
    }

    /// The check runs on one part of the repo's entries per core: whichever part fails first,
    /// the error names the first missing object in path order.
    @Test("commit over many staged files names the first missing object in path order")
    func commitVerifiesObjectsInParts() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n"])
        try ws.add("data/raw")
        var index = try ws.index()
        let stored = try #require(try ws.indexEntry("data/raw/a.csv")?.staged)
        let missing = (0..<2).map { FileRef(kind: .file, chunked: false, size: 5, id: SHA256.hash("not stored \($0)")) }
        for number in 0..<10_000 {
            let ref = number == 1_000 ? missing[0] : number == 8_000 ? missing[1] : stored
            index.upsert(IndexEntry(path: "data/raw/f-\(String(number + 100_000).dropFirst())", staged: ref, base: nil, stat: .empty))
        }
        try index.save(ws.project.layout.workspaceIndexFile)
        let id = expectThrows({ try ws.commit("many") }) { (error: RepositoryError) in
            if case .stagedObjectMissing(_, let id) = error { id } else { nil }
        }
        #expect(id == missing[0].id)
    }

    @Test("ranges under a directory take only its descendants, in byte order")
    func ranges() {
        var index = WorkspaceIndex()
        for path in ["ab", "a0/x", "a/c", "a.b", "a/b", "a", "b/a/c"] { index.upsert(Self.entry(path)) }
        #expect(index.entries.map(\.path) == ["a", "a.b", "a/b", "a/c", "a0/x", "ab", "b/a/c"])
        #expect(index.range(under: "a").map { index.entries[$0].path } == ["a/b", "a/c"])
        #expect(index.range(under: "b/a").map { index.entries[$0].path } == ["b/a/c"])
        #expect(index.range(under: "b/a/c").isEmpty)
        #expect(index.range(under: "").count == 7)
        #expect(index.find("a.b") == 1)
        #expect(index.find("a/") == nil)
        var wide = index
        wide.upsert(Self.entry("a/é"))   // bytes above every ASCII one, still below "a0"
        #expect(wide.range(under: "a").map { wide.entries[$0].path } == ["a/b", "a/c", "a/é"])

        index.replace(under: "a", with: [Self.entry("a/z"), Self.entry("a/d")])
        #expect(index.entries.map(\.path) == ["a", "a.b", "a/d", "a/z", "a0/x", "ab", "b/a/c"])
        index.upsert(Self.entry("a.b", staged: "changed"))
        #expect(index.entries.count == 7)
        #expect(index.entries[1].staged?.id == SHA256.hash("changed"))
    }

    @Test("stat data matches only when every field agrees and the file is older than the index")
    func statMatching() throws {
        let ws = try Workspace.make(["f": "x\n"])
        let status = try ws.stat("f")
        let cache = StatCache(status)
        #expect(cache.matches(status, indexTime: status.modificationNanoseconds + 1))
        #expect(!cache.matches(status, indexTime: status.modificationNanoseconds))
        #expect(!StatCache.empty.matches(status, indexTime: .max))
        var changed = status
        changed.changeNanoseconds += 1
        #expect(!cache.matches(changed, indexTime: .max))
        changed = status
        changed.inode += 1
        #expect(!cache.matches(changed, indexTime: .max))
        changed = status
        changed.mode |= 0o100
        #expect(!cache.matches(changed, indexTime: .max))
    }
}
