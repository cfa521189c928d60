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
                      rawLength: UInt32(position == 3 ? 20 + position : 10 + position), kind: position % 2 == 0 ? .chunk : .tree,
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

    /// The fan-out table is the store's own file, read before any checksum: counts that fall,
    /// that pass the entry count, or that are all zero or all maximal must make lookups miss
    /// (or still hit the right entry), never trap or loop.
    static let lyingTables: [[UInt32]] = [
        [UInt32](repeating: 0, count: 256),
        [UInt32](repeating: UInt32.max, count: 256),
        (0..<256).map { UInt32(255 - $0) },
        (0..<256).map { (byte: Int) -> UInt32 in byte % 2 == 0 ? 6 : 1 },
    ]

    @Test("a fan-out table that lies makes lookups miss, not trap", arguments: lyingTables)
    func lyingFanout(table: [UInt32]) throws {
        let fixture = try TemporaryStore()
        var bytes = PackIndex.encode(Self.entries(), packSize: 1_000)
        for (byte, value) in table.enumerated() {
            let offset = PackFormat.indexHeaderSize + byte * 4
            withUnsafeBytes(of: value.bigEndian) { bytes.replaceSubrange(offset..<offset + 4, with: $0) }
        }
        try Self.writeIndex(bytes, in: fixture)
        let index = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        for entry in Self.entries() {
            if let found = index.find(entry.id) { #expect(found == entry) }
        }
        #expect(index.find(ObjectID(bytes: [UInt8](repeating: 0xEE, count: 32))!) == nil)
        for prefix in ["00", "7f", "ff"] {
            #expect(index.ids(withHexPrefix: prefix).allSatisfy { $0.hasHexPrefix(prefix) })
        }
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

    @Test("a newer index version is refused as newerFormat; a damaged version field is corrupt, not newer")
    func newerVersion() throws {
        let fixture = try TemporaryStore()
        var bytes = PackIndex.encode(Self.entries(), packSize: 1_000)
        bytes[11] = 2
        let body = bytes.count - PackFormat.indexTrailerSize
        let flipped = bytes
        bytes.replaceSubrange(body..., with: SHA256.hash(Array(bytes[..<body])).bytes)
        try Self.writeIndex(bytes, in: fixture)
        guard case .newerFormat(_, version: 2, supported: 1) = storeError({
            _ = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        }) else { Issue.record("expected newerFormat"); return }
        // The store refuses to open rather than silently skipping the pack.
        #expect(storeError { _ = try fixture.openStore() } != nil)

        // The same byte changed without a matching checksum is damage.
        try Self.writeIndex(flipped, in: fixture)
        guard case .corruptPack(_, let reason) = storeError({
            _ = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        }) else { Issue.record("expected corruptPack"); return }
        #expect(reason.contains("version"))
    }

    @Test("entries pointing outside the pack, over the size limits, or with lengths that disagree are invalid",
          arguments: [(UInt64(0), UInt32(10), UInt32(10)), (UInt64(57), UInt32(10), UInt32(10)),
                      (UInt64(1) << 63, UInt32(10), UInt32(10)), (UInt64.max, UInt32(1), UInt32(1)),
                      (UInt64(990), UInt32(10), UInt32(10)), (UInt64(58), UInt32.max, UInt32.max),
                      (UInt64(58), UInt32(10), UInt32(11))])
    func invalidEntries(offset: UInt64, stored: UInt32, raw: UInt32) throws {
        let fixture = try TemporaryStore()
        let entry = PackEntry(id: SHA256.hash("x"), offset: offset, storedLength: stored, rawLength: raw, kind: .chunk, codec: .raw)
        try Self.writeIndex(PackIndex.encode([entry], packSize: 1_000), in: fixture)
        let index = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        #expect(index.entry(at: 0) == nil)
        #expect(index.find(entry.id) == nil)
        #expect(index.entryProblem(at: 0) != nil)
        #expect(index.problem() != nil)
    }

    @Test("a zstd record may not declare more than its kind's limit")
    func rawLengthLimit() throws {
        let fixture = try TemporaryStore()
        let limit = UInt32(PackFormat.maximumRawLength(.chunk))
        let over = PackEntry(id: SHA256.hash("x"), offset: 58, storedLength: 10, rawLength: limit + 1, kind: .chunk, codec: .zstd)
        let atLimit = PackEntry(id: SHA256.hash("y"), offset: 100, storedLength: 10, rawLength: limit, kind: .chunk, codec: .zstd)
        try Self.writeIndex(PackIndex.encode([over, atLimit], packSize: 1_000), in: fixture)
        let index = try PackIndex(directory: fixture.layout.packsDirectory, name: "pack-test")
        #expect(index.find(over.id) == nil)
        #expect(index.find(atLimit.id) == atLimit)
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
