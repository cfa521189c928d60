import DverCore
import DverStore
import DverSystem
import Testing

@Suite("Corrupt packs")
struct CorruptionTests {
    static let objects: [StoredObject] = [.chunk(TestData.random(50_000, seed: 3)), .chunk(TestData.text(50_000))]

    /// Stores `objects` with `codec` and returns the fixture and the path of its one pack.
    static func storedPack(codec: Codec) throws -> (TemporaryStore, String) {
        let fixture = try TemporaryStore()
        try fixture.write(objects, codec: codec)
        let pack = try #require(try fixture.packFiles(".pack").first)
        return (fixture, fixture.packPath(pack))
    }

    @Test("a truncated pack is reported as corruptPack when read")
    func truncated() throws {
        let (fixture, pack) = try Self.storedPack(codec: .zstd)
        try fixture.modify(pack) { $0.removeLast(100) }
        let store = try fixture.openStore()
        guard case .corruptPack = storeError({ _ = try store.read(Self.objects[0].id) }) else {
            Issue.record("expected corruptPack"); return
        }
    }

    @Test("a flipped byte inside an object is corruptObject, not a crash",
          arguments: [(codec: Codec.raw, object: 0), (codec: .raw, object: 1), (codec: .zstd, object: 1), (codec: .zlib, object: 1)])
    func flippedByte(codec: Codec, object: Int) throws {
        let (fixture, pack) = try Self.storedPack(codec: codec)
        let id = Self.objects[object].id
        let entry = try #require(try fixture.openStore().locate(id)?.1)
        try fixture.modify(pack) { $0[Int(entry.offset) + Int(entry.storedLength) / 2] ^= 0x40 }
        let store = try fixture.openStore()
        guard case .corruptObject(let reported, _) = storeError({ _ = try store.read(id) }) else {
            Issue.record("expected corruptObject"); return
        }
        #expect(reported == id)
        let other = Self.objects[1 - object]
        #expect(try store.read(other.id).1 == other.bytes)
    }

    @Test("unverified reads skip the hash check")
    func unverified() throws {
        let (fixture, pack) = try Self.storedPack(codec: .raw)
        let entry = try #require(try fixture.openStore().locate(Self.objects[0].id)?.1)
        try fixture.modify(pack) { $0[Int(entry.offset)] ^= 0xFF }
        let bytes = try fixture.openStore().read(Self.objects[0].id, verify: false).1
        #expect(bytes != Self.objects[0].bytes)
        #expect(bytes.count == Self.objects[0].bytes.count)
    }

    @Test("a pack header version that differs from its index's, or a bad magic, is corruptPack")
    func header() throws {
        let (fixture, pack) = try Self.storedPack(codec: .raw)
        try fixture.modify(pack) { $0[11] = 9 }
        guard case .corruptPack = storeError({ _ = try fixture.openStore().read(Self.objects[0].id) }) else {
            Issue.record("expected corruptPack"); return
        }
        try fixture.modify(pack) { $0[0] = 0 }
        guard case .corruptPack = storeError({ _ = try fixture.openStore().read(Self.objects[0].id) }) else {
            Issue.record("expected corruptPack"); return
        }
    }

    @Test("a pack without an index is ignored (an interrupted write)")
    func packWithoutIndex() throws {
        let (fixture, pack) = try Self.storedPack(codec: .raw)
        try FileSystem.remove(String(pack.dropLast(5)) + ".idx")
        let store = try fixture.openStore()
        #expect(store.packIndexes.isEmpty)
        #expect(!store.contains(Self.objects[0].id))
    }
}

