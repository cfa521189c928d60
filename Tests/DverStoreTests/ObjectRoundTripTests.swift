import DverCore
import DverStore
import DverSystem
import Testing

@Suite("Object round trips")
struct ObjectRoundTripTests {
    static let objects: [StoredObject] = [
        .chunk(TestData.text(200_000)),
        .chunk(TestData.random(100_000, seed: 1)),
        .chunk(TestData.text(20_000, seed: 5)),
        .chunk(TestData.random(3_000, seed: 2)),
        .chunk(""),
        .chunk("x\n"),
        StoredObject(kind: .tree, bytes: TreeNode(.leaf([
            TreeEntry(name: "a.csv", kind: .file, size: 4, id: SHA256.hash("1,2\n")),
        ])).encoded()),
    ]

    @Test("every codec reads back what was put", arguments: [Codec.raw, .zstd, .zlib])
    func roundTrip(codec: Codec) throws {
        let fixture = try TemporaryStore()
        let statistics = try fixture.write(Self.objects, codec: codec)
        #expect(statistics.objectsWritten == Self.objects.count)
        #expect(statistics.packsWritten == 1)
        let reopened = try fixture.openStore()
        for object in Self.objects {
            let (kind, bytes) = try reopened.read(object.id)
            #expect(kind == object.kind)
            #expect(bytes == object.bytes)
            let viaChunk = try reopened.withChunk(object.id) { Array($0) }
            #expect(viaChunk == object.bytes)
        }
    }

    @Test("compressible text is compressed with the session's codec; random data stays raw",
          arguments: [Codec.zstd, .zlib])
    func codecChoice(codec: Codec) throws {
        let fixture = try TemporaryStore()
        let statistics = try fixture.write(Self.objects, codec: codec)
        #expect(statistics.storedBytesWritten + 100_000 < statistics.rawBytesWritten)
        let store = try fixture.openStore()
        let text = try #require(store.locate(Self.objects[0].id)?.1)
        #expect(text.codec == codec)
        #expect(text.storedLength < text.rawLength / 3)
        let random = try #require(store.locate(Self.objects[1].id)?.1)
        #expect(random.codec == .raw)
        #expect(random.storedLength == random.rawLength)
        let tiny = try #require(store.locate(Self.objects[5].id)?.1)
        #expect(tiny.codec == .raw)
    }

    @Test("the raw codec never compresses")
    func rawCodec() throws {
        let fixture = try TemporaryStore()
        let statistics = try fixture.write(Self.objects, codec: .raw)
        #expect(statistics.storedBytesWritten == statistics.rawBytesWritten)
    }

    @Test("typed reads check the kind; missing objects are reported")
    func kindsAndMissing() throws {
        let fixture = try TemporaryStore()
        try fixture.write(Self.objects)
        let store = try fixture.openStore()
        let tree = try store.decodeTree(Self.objects[6].id)
        #expect(tree.level == 0)
        guard case .unexpectedKind(_, expected: .commit, actual: .tree) = storeError({
            _ = try store.decodeCommit(Self.objects[6].id)
        }) else { Issue.record("expected unexpectedKind"); return }
        guard case .objectNotFound(let id) = storeError({ _ = try store.read(SHA256.hash("absent")) }) else {
            Issue.record("expected objectNotFound"); return
        }
        #expect(id == SHA256.hash("absent"))
        #expect(!store.contains(SHA256.hash("absent")))
    }

    @Test("objects already stored are not written again")
    func deduplicatesAcrossSessions() throws {
        let fixture = try TemporaryStore()
        try fixture.write(Self.objects)
        let again = try fixture.write(Self.objects + [.chunk("new")])
        #expect(again.objectsWritten == 1)
        #expect(try fixture.packFiles(".pack").count == 2)
    }

    @Test("a session that writes nothing leaves no pack")
    func emptySession() throws {
        let fixture = try TemporaryStore()
        let statistics = try fixture.write([])
        #expect(statistics.packsWritten == 0)
        #expect(try fixture.packFiles("").isEmpty)
        #expect(try FileSystem.list(fixture.layout.temporaryDirectory).isEmpty)
    }

    @Test("hex prefixes find ids across packs")
    func prefixes() throws {
        let fixture = try TemporaryStore()
        try fixture.write(Array(Self.objects.prefix(3)))
        try fixture.write(Array(Self.objects.suffix(4)))
        let store = try fixture.openStore()
        let id = Self.objects[5].id
        #expect(store.ids(withHexPrefix: id.shortHex(8)) == [id])
        #expect(store.ids(withHexPrefix: "").count == Self.objects.count)
        #expect(store.packIndexes.count == 2)
    }
}

