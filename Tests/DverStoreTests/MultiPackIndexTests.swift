import DverCore
import DverStore
import DverSystem
import Testing

@Suite("Multi-pack index")
struct MultiPackIndexTests {
    /// `sessions` write sessions of three small objects each (one pack per session).
    private func fill(_ fixture: TemporaryStore, sessions: Int) throws -> [StoredObject] {
        var all = [StoredObject]()
        for session in 0..<sessions {
            let objects = (0..<3).map { StoredObject.chunk("session \(session) object \($0)") }
            try fixture.write(objects)
            all += objects
        }
        return all
    }

    private func expectAllFound(_ objects: [StoredObject], in store: ObjectStore, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for object in objects {
            #expect(store.contains(object.id), sourceLocation: sourceLocation)
            #expect(try store.read(object.id).1 == object.bytes, sourceLocation: sourceLocation)
        }
        #expect(!store.contains(SHA256.hash(Array("never stored".utf8))), sourceLocation: sourceLocation)
    }

    @Test("packs get layers as they accumulate; layers stay few and find every object")
    func layers() throws {
        let fixture = try TemporaryStore()
        let objects = try fill(fixture, sessions: 70)
        let store = try fixture.openStore()
        #expect(store.packHandles.count == 70)
        let layers = store.multiPackLayers
        #expect(!layers.isEmpty)
        #expect(layers.count <= 4, "\(layers.map(\.count))")
        // Every pack but fewer than the threshold is covered.
        #expect(layers.reduce(0) { $0 + $1.packNames.count } > 70 - 8)
        #expect(store.multiPackIndexProblems().isEmpty)
        try expectAllFound(objects, in: store)
        // Only the chain's layers are on disk: merged ones were deleted.
        #expect(try fixture.packFiles(".midx") == store.multiPackChain.sorted())
    }

    @Test("rebuild writes one layer for every pack")
    func rebuild() throws {
        let fixture = try TemporaryStore()
        let objects = try fill(fixture, sessions: 20)
        let store = try fixture.openStore()
        try store.updateMultiPackIndex(durable: false, rebuild: true)
        #expect(store.multiPackLayers.count == 1)
        #expect(store.multiPackLayers[0].packNames.count == 20)
        #expect(try fixture.packFiles(".midx").count == 1)
        try expectAllFound(objects, in: try fixture.openStore())
    }

    @Test("a damaged layer is left out: every object is still found, and the damage is reported")
    func damagedLayer() throws {
        let fixture = try TemporaryStore()
        let objects = try fill(fixture, sessions: 20)
        let layer = try #require(try fixture.openStore().multiPackChain.first)
        try fixture.modify(fixture.packPath(layer)) { $0[$0.count / 2] ^= 0x40 }
        let store = try fixture.openStore()
        #expect(!store.multiPackLayers.contains { $0.name == layer })
        try expectAllFound(objects, in: store)
        let problems = store.multiPackIndexProblems()
        #expect(problems.count == 1)
        #expect(problems.first?.contains(layer) == true && problems.first?.contains("checksum") == true, "\(problems)")
    }

    @Test("a layer whose entry points elsewhere (valid checksum) still finds the object; the mismatch is reported")
    func lyingEntry() throws {
        let fixture = try TemporaryStore()
        let objects = try fill(fixture, sessions: 20)
        try fixture.openStore().updateMultiPackIndex(durable: false, rebuild: true)
        let layer = try #require(try fixture.openStore().multiPackChain.first)
        try fixture.modify(fixture.packPath(layer)) { bytes in
            // The first entry's pack position becomes 7; then the CRC is made right again.
            let entries = 24 + 20 * 32 + 1024
            bytes[entries + 39] = 7
            let crc = bytes.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 4)])) }
            withUnsafeBytes(of: crc.bigEndian) { bytes.replaceSubrange((bytes.count - 4)..., with: $0) }
        }
        let store = try fixture.openStore()
        #expect(store.multiPackLayers.count == 1)
        try expectAllFound(objects, in: store)
        #expect(store.multiPackIndexProblems().first?.contains("does not match") == true, "\(store.multiPackIndexProblems())")
    }

    @Test("a missing layer, a chain naming paths, or a damaged chain cost speed, not objects", arguments: [
        "dver multi-pack-index 1\n../../outside.midx\n",
        "dver multi-pack-index 9\n",
        "dver multi-pack-index 1\nmidx-00000000000000aa.midx",
        "",
    ])
    func damagedChain(chain: String) throws {
        let fixture = try TemporaryStore()
        let objects = try fill(fixture, sessions: 12)
        try FileSystem.writeAtomically("\(fixture.layout.packsDirectory)/multi-pack-index", text: chain, durable: false)
        let store = try fixture.openStore()
        #expect(store.multiPackLayers.isEmpty)
        try expectAllFound(objects, in: store)
        #expect(!store.multiPackIndexProblems().isEmpty)
    }

    @Test("a listed layer that is gone is left out")
    func missingLayer() throws {
        let fixture = try TemporaryStore()
        let objects = try fill(fixture, sessions: 12)
        for layer in try fixture.openStore().multiPackChain { try FileSystem.removeIfExists(fixture.packPath(layer)) }
        let store = try fixture.openStore()
        #expect(store.multiPackLayers.isEmpty)
        try expectAllFound(objects, in: store)
        #expect(store.multiPackIndexProblems().count == 1)
    }

    @Test("packs removed after a layer was written: the rest are still found through it")
    func removedPacks() throws {
        let fixture = try TemporaryStore()
        let objects = try fill(fixture, sessions: 12)
        let store = try fixture.openStore()
        #expect(store.multiPackLayers.count == 1)
        let doomed = try #require(store.multiPackLayers.first?.packNames.first)
        let gone = Set(store.packIndexes.first { $0.name == doomed }.map { index in (0..<index.count).map { index.id(at: $0) } } ?? [])
        try store.remove(packNames: [doomed])
        try expectAllFound(objects.filter { !gone.contains($0.id) }, in: store)
        for id in gone { #expect(!store.contains(id)) }
    }
}
