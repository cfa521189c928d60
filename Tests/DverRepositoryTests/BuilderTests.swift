import DverCore
import DverRepository
import DverStore
import DverSystem
import Synchronization
import Testing

/// Keeps put objects in memory, to count what a builder writes.
final class MemorySink: ObjectSink {
    private let objects = Mutex<[ObjectID: ObjectKind]>([:])

    func put(_ id: ObjectID, kind: ObjectKind, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool {
        objects.withLock { $0.updateValue(kind, forKey: id) == nil }
    }

    var ids: Set<ObjectID> { objects.withLock { Set($0.keys) } }
}

@Suite("plumbing: TreeBuilder, TreeReader, ChunkListBuilder, Ingester")
struct BuilderTests {
    static func ref(_ text: String, kind: EntryKind = .file) -> FileRef {
        FileRef(kind: kind, chunked: false, size: UInt64(text.utf8.count), id: SHA256.hash(text))
    }

    @Test("trees list files in byte order per directory, whatever the input order")
    func treeRoundTrip() throws {
        let ws = try Workspace.make()
        let paths = ["a0", "ä", "a/b", "A", "a.b", "a/c/d", "z/y/x"]
        let files = paths.map { TreeBuilder.File(path: $0, ref: Self.ref($0)) }
        let writer = ws.project.makeWriter()
        let tree = try TreeBuilder.build(files, writer: writer)
        let shuffled = try TreeBuilder.build(files.reversed(), writer: writer)
        _ = try writer.finish()
        #expect(tree == shuffled)

        let reader = TreeReader(store: ws.project.store)
        let listed = try reader.files(tree)
        #expect(listed.map(\.path) == ["A", "a/b", "a/c/d", "a.b", "a0", "z/y/x", "ä"])
        #expect(listed.allSatisfy { $0.ref == Self.ref($0.path) })
        let directory = try #require(try reader.entry(at: "a", root: tree))
        #expect(directory.kind == .directory)
        #expect(directory.size == 8, "a directory's size is the total of the files beneath it")
        #expect(try reader.entry(at: "a/c/d", root: tree)?.id == SHA256.hash("a/c/d"))
        #expect(try reader.entry(at: "a/missing", root: tree) == nil)
        #expect(try reader.entry(at: "a0/below-a-file", root: tree) == nil)
    }

    @Test("a path that is both a file and a directory is rejected")
    func fileAndDirectory() throws {
        let files = [TreeBuilder.File(path: "a", ref: Self.ref("1")), TreeBuilder.File(path: "a/b", ref: Self.ref("2"))]
        #expect(throws: CoreError.self) { try TreeBuilder.build(files, writer: MemorySink()) }
    }

    @Test("an empty snapshot is an empty tree")
    func emptyTree() throws {
        let ws = try Workspace.make()
        let writer = ws.project.makeWriter()
        let tree = try TreeBuilder.build([], writer: writer)
        _ = try writer.finish()
        #expect(try TreeReader(store: ws.project.store).entries(tree).isEmpty)
    }

    @Test("a chunk list of many chunks is split into levels and read back in order")
    func chunkListRoundTrip() throws {
        let ws = try Workspace.make()
        let chunks = (0..<20_000).map { ChunkListNode.Entry(id: SHA256.hash("chunk \($0)"), length: UInt64(16_384 + $0)) }
        let writer = ws.project.makeWriter()
        let root = try ChunkListBuilder.build(chunks, writer: writer)
        _ = try writer.finish()
        #expect(try ws.project.store.decodeChunkList(root).level >= 1)
        #expect(try ChunkListBuilder.chunks(of: root, store: ws.project.store) == chunks)
    }

    @Test("appending to a long chunk list rewrites only its tail nodes")
    func chunkListAppend() throws {
        let chunks = (0..<20_000).map { ChunkListNode.Entry(id: SHA256.hash("chunk \($0)"), length: 65_536) }
        let before = MemorySink()
        _ = try ChunkListBuilder.build(chunks, writer: before)
        let after = MemorySink()
        _ = try ChunkListBuilder.build(chunks + [.init(id: SHA256.hash("tail"), length: 10)], writer: after)
        let fresh = after.ids.subtracting(before.ids)
        #expect(before.ids.count > 100)
        #expect(fresh.count >= 2 && fresh.count <= 5, "\(fresh.count) new nodes")
    }

    @Test("a chunk list whose child lengths disagree with the parent is corrupt")
    func chunkListLengthMismatch() throws {
        let ws = try Workspace.make()
        let leaf = ChunkListNode(level: 0, entries: (0..<4).map { .init(id: SHA256.hash("c\($0)"), length: 100) })
        let writer = ws.project.makeWriter()
        let leafID = try writer.put(encoded: leaf.encoded(), kind: .chunkList)
        let other = try writer.put(encoded: ChunkListNode(level: 0, entries: [.init(id: SHA256.hash("x"), length: 5)]).encoded(),
                                   kind: .chunkList)
        let parent = ChunkListNode(level: 1, entries: [.init(id: leafID, length: 401), .init(id: other, length: 5)])
        let root = try writer.put(encoded: parent.encoded(), kind: .chunkList)
        _ = try writer.finish()
        let reported = expectThrows({ try ChunkListBuilder.chunks(of: root, store: ws.project.store) }) { (error: StoreError) in
            if case .corruptObject(let id, _) = error { id } else { nil }
        }
        #expect(reported == root)
    }

    @Test("the ingester with a hashing sink names files exactly as add stores them, storing nothing")
    func ingesterHashOnly() throws {
        let ws = try Workspace.make(["data/raw/small.csv": "1,2\n", "data/raw/big.bin": .random(size: 9_000_000, seed: 50),
                                     "data/raw/run.sh": .executable("#!/bin/sh\n"), "data/raw/link": .symlink(to: "small.csv")])
        let paths = ["data/raw/big.bin", "data/raw/link", "data/raw/run.sh", "data/raw/small.csv"]
        let items = try paths.map { IngestItem(absolutePath: ws.absolute($0), displayPath: $0, status: try ws.stat($0)) }
        let refs = try Ingester(writer: HashingSink(), progress: SilentProgress()).ingest(items)
        #expect(ws.project.store.packIndexes.isEmpty)
        #expect(refs.map(\.kind) == [.file, .symlink, .executable, .file])
        #expect(refs[0].chunked && refs[0].size == 9_000_000)

        try ws.add("data/raw")
        #expect(try paths.map { try ws.indexEntry($0)?.staged } == refs)
    }

    @Test("the ingester refuses directories and reports missing files")
    func ingesterErrors() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "a\n"])
        let ingester = Ingester(writer: HashingSink(), progress: SilentProgress())
        let directory = IngestItem(absolutePath: ws.absolute("data/raw"), displayPath: "data/raw", status: try ws.stat("data/raw"))
        expectThrows({ try ingester.ingest([directory]) }) { (error: RepositoryError) in
            if case .unsupportedFileType(let path) = error { path } else { nil }
        }
        let status = try ws.stat("data/raw/a.csv")
        try ws.delete("data/raw/a.csv")
        let missing = IngestItem(absolutePath: ws.absolute("data/raw/a.csv"), displayPath: "data/raw/a.csv", status: status)
        expectThrows({ try ingester.ingest([missing]) }) { (error: SystemError) in error.isNotFound ? true : nil }
    }
}
