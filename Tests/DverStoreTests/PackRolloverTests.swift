import DverCore
import DverStore
import Testing

@Suite("Pack rollover")
struct PackRolloverTests {
    /// Random chunks of 256 KiB, 8 more than fill one pack.
    static let chunkCount = PackFormat.targetPackSize / (256 << 10) + 8
    static func objects() -> [StoredObject] {
        (0..<chunkCount).map { StoredObject.chunk(TestData.random(256 << 10, seed: UInt64($0))) }
    }

    @Test("a session larger than the target pack size seals several packs, all readable")
    func rollover() throws {
        let fixture = try TemporaryStore()
        let chunkCount = Self.chunkCount
        let objects = Self.objects()
        let statistics = try fixture.write(objects)
        #expect(statistics.packsWritten == 2)
        #expect(try fixture.packFiles(".pack").count == 2)
        #expect(try fixture.packFiles(".idx").count == 2)

        let store = try fixture.openStore()
        let counts = store.packIndexes.map(\.count).sorted()
        #expect(counts == [8, chunkCount - 8])
        for object in objects where object.bytes.first.map({ $0 % 16 == 0 }) ?? true {
            #expect(try store.read(object.id).1 == object.bytes)
        }
    }

    @Test("objects put again after their pack filled up and was sealed are not written twice")
    func putAgainAfterSeal() throws {
        let fixture = try TemporaryStore()
        let objects = Self.objects()
        let writer = ObjectWriter(store: try fixture.openStore(), settings: WriteSettings(codec: .raw, durable: false))
        for object in objects { #expect(try writer.put(object.id, kind: object.kind, bytes: object.bytes)) }
        for object in objects { #expect(try !writer.put(object.id, kind: object.kind, bytes: object.bytes)) }
        let statistics = try writer.finish()
        #expect(statistics.objectsWritten == Self.chunkCount)
        #expect(try fixture.openStore().packIndexes.map(\.count).reduce(0, +) == Self.chunkCount)
    }
}
