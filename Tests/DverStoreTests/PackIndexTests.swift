import DverCore
import DverStore
import DverSystem
import Testing

@Suite("Pack index")
struct PackIndexTests {
    /// Ids at the edges of the fan-out table and several sharing a first byte.
    static let ids: [ObjectID] = ([0x00, 0x00, 0x7f, 0x7f, 0x7f, 0xff] as [UInt8]).enumerated().map { position, first in
        var bytes = [UInt8](repeating: UInt8(position), count: 32)
        bytes[0] = first
        return ObjectID(bytes: bytes)!
    }

    static func entries() -> [PackEntry] {
        ids.enumerated().map { position, id in
            PackEntry(id: id, offset: UInt64(100 * position + 58), storedLength: UInt32(10 + position),
                      rawLength: UInt32(20 + position), kind: position % 2 == 0 ? .chunk : .tree,
                      codec: position == 3 ? .zstd : .raw)
        }
    }

    static func writeIndex(_ bytes: [UInt8], in fixture: TemporaryStore, name: String = "pack-test") throws {
        try FileSystem.writeAtomically(fixture.packPath("\(name).idx"), bytes, durable: false)
    }

    @Test("finds every present id and no absent one")
    func lookup() throws {
        let fixture = try TemporaryStore()
        try Self.writeIndex(PackIndex.encode(Self.entries().reversed(), packSize: 1_000), in: fixture)
        let index = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        #expect(index.count == Self.ids.count)
        #expect(index.packSize == 1_000)
        #expect(index.verifyChecksum())
        for entry in Self.entries() {
            #expect(index.find(entry.id) == entry)
        }
        for first: UInt8 in [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff] {
            var bytes = [UInt8](repeating: 0xEE, count: 32)
            bytes[0] = first
            #expect(index.find(ObjectID(bytes: bytes)!) == nil)
        }
        #expect((0..<index.count).map { index.id(at: $0) } == Self.ids.sorted())
        #expect(index.ids(withHexPrefix: "7f").count == 3)
    }

    @Test("an empty index finds nothing")
    func empty() throws {
        let fixture = try TemporaryStore()
        try Self.writeIndex(PackIndex.encode([], packSize: 32), in: fixture)
        let index = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        #expect(index.count == 0)
        #expect(index.find(.zero) == nil)
    }

    @Test("a flipped byte fails the checksum")
    func checksum() throws {
        let fixture = try TemporaryStore()
        var bytes = PackIndex.encode(Self.entries(), packSize: 1_000)
        bytes[PackFormat.indexHeaderSize + PackFormat.fanoutSize + 40] ^= 0x01
        try Self.writeIndex(bytes, in: fixture)
        let index = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        #expect(!index.verifyChecksum())
    }

    @Test("a newer index version is refused as newerFormat")
    func newerVersion() throws {
        let fixture = try TemporaryStore()
        var bytes = PackIndex.encode(Self.entries(), packSize: 1_000)
        bytes[11] = 2
        try Self.writeIndex(bytes, in: fixture)
        guard case .newerFormat(_, version: 2, supported: 1) = storeError({
            _ = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        }) else { Issue.record("expected newerFormat"); return }
        // The store refuses to open rather than silently skipping the pack.
        #expect(storeError { _ = try fixture.openStore() } != nil)
    }

    @Test("truncated or mislabelled indexes are corrupt",
          arguments: ["truncated", "short", "bad magic", "wrong count"])
    func corrupt(damage: String) throws {
        let fixture = try TemporaryStore()
        var bytes = PackIndex.encode(Self.entries(), packSize: 1_000)
        switch damage {
        case "truncated": bytes.removeLast(1)
        case "short": bytes = Array(bytes.prefix(40))
        case "bad magic": bytes[0] = 0
        default: bytes[15] += 1
        }
        try Self.writeIndex(bytes, in: fixture)
        guard case .corruptPack = storeError({
            _ = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        }) else { Issue.record("expected corruptPack"); return }
    }
}
