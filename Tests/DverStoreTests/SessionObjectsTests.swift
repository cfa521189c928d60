import DverCore
@testable import DverStore
import Testing

@Suite("Session objects")
struct SessionObjectsTests {
    /// Two ids that share their first 8 bytes (the fingerprint), as no SHA-256 pair found by
    /// chance would, but a crafted one could.
    static let first = ObjectID(w0: 0x0123_4567_89ab_cdef, w1: 1, w2: 2, w3: 3)
    static let second = ObjectID(w0: 0x0123_4567_89ab_cdef, w1: 9, w2: 9, w3: 9)

    /// The index of a pack holding `ids` (each with a few bytes), written through a session.
    static func sealedPack(_ ids: [ObjectID], in fixture: TemporaryStore) throws -> PackIndex {
        let store = try fixture.openStore()
        let writer = ObjectWriter(store: store, settings: WriteSettings(codec: .raw, durable: false))
        for id in ids { try writer.put(id, kind: .chunk, bytes: [1, 2, 3]) }
        let before = Set(store.packIndexes.map(\.name))
        _ = try writer.finish()
        return try #require(try fixture.openStore().packIndexes.first { !before.contains($0.name) })
    }

    @Test("an object is claimed once, before and after its pack is sealed")
    func claimsOnce() throws {
        let fixture = try TemporaryStore()
        let objects = SessionObjects()
        #expect(objects.claim(Self.first))
        #expect(!objects.claim(Self.first))
        objects.sealed(try Self.sealedPack([Self.first], in: fixture))
        #expect(!objects.claim(Self.first))
        #expect(objects.count == 1)
    }

    @Test("a fingerprint shared by two ids does not make the second one look stored")
    func sharedFingerprint() throws {
        let fixture = try TemporaryStore()
        let objects = SessionObjects()
        #expect(objects.claim(Self.first))
        objects.sealed(try Self.sealedPack([Self.first], in: fixture))
        #expect(objects.claim(Self.second))
        #expect(!objects.claim(Self.second))
        // The fingerprint now names the second pack; the first id is still found in its own.
        objects.sealed(try Self.sealedPack([Self.second], in: fixture))
        #expect(!objects.claim(Self.first))
        #expect(!objects.claim(Self.second))
        #expect(objects.count == 2)
    }
}
