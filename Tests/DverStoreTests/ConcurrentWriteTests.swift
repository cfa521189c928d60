import DverCore
import DverStore
import DverSystem
import Foundation
import Synchronization
import Testing

@Suite("Concurrent writes")
struct ConcurrentWriteTests {
    static let objects: [StoredObject] = (0..<300).map { index in
        index % 3 == 0 ? .chunk(TestData.text(5_000 + index, seed: index)) : .chunk(TestData.random(1_000 + index, seed: UInt64(index)))
    }

    @Test("threads putting overlapping objects write each exactly once", arguments: [Codec.raw, .zstd])
    func overlappingPuts(codec: Codec) throws {
        let fixture = try TemporaryStore()
        let writer = ObjectWriter(store: try fixture.openStore(), settings: WriteSettings(codec: codec, durable: false))
        let newlyWritten = Mutex(0)
        let failures = Mutex([String]())
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for step in 0..<200 {
                let object = Self.objects[(thread * 37 + step * 3) % Self.objects.count]
                do {
                    if try writer.put(object.id, kind: object.kind, bytes: object.bytes) {
                        newlyWritten.withLock { $0 += 1 }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let statistics = try writer.finish()
        let distinct = Set((0..<8).flatMap { thread in
            (0..<200).map { step in Self.objects[(thread * 37 + step * 3) % Self.objects.count].id }
        })
        #expect(newlyWritten.withLock { $0 } == distinct.count)
        #expect(statistics.objectsWritten == distinct.count)

        let store = try fixture.openStore()
        #expect(store.packIndexes.reduce(0) { $0 + $1.count } == distinct.count)
        for object in Self.objects where distinct.contains(object.id) {
            #expect(try store.read(object.id).1 == object.bytes)
        }
    }

    /// `add` reads small files on more threads than there are cores; the session must still
    /// make at most one pack (and one compressor) per core.
    @Test("sixteen threads putting at once make at most one pack per core")
    func morePuttersThanCores() throws {
        let fixture = try TemporaryStore()
        let writer = ObjectWriter(store: try fixture.openStore(), settings: WriteSettings(codec: .zstd, durable: false))
        let objects: [StoredObject] = (0..<1_600).map { .chunk(TestData.random(2_000, seed: UInt64(10_000 + $0))) }
        try ParallelWork.run(16, workers: 16) { thread in
            for object in objects[thread * 100..<(thread + 1) * 100] {
                try writer.put(object.id, kind: object.kind, bytes: object.bytes)
            }
        }
        let statistics = try writer.finish()
        #expect(statistics.objectsWritten == objects.count)
        #expect(statistics.packsWritten <= System.coreCount)
        let store = try fixture.openStore()
        for object in objects { #expect(try store.read(object.id).1 == object.bytes) }
    }

    @Test("two sessions that stored the same objects in different orders both stay readable")
    func sameObjectsDifferentOrder() throws {
        let fixture = try TemporaryStore()
        let objects: [StoredObject] = [.chunk(TestData.random(1_000, seed: 1)), .chunk(TestData.random(2_000, seed: 2))]
        // Two stores opened before either writes, like two dver processes adding the same data.
        let first = try fixture.openStore()
        let second = try fixture.openStore()
        try fixture.write(objects, into: first)
        try fixture.write(objects.reversed(), into: second)
        for store in [first, second, try fixture.openStore()] {
            for object in objects {
                #expect(try store.read(object.id).1 == object.bytes)
            }
        }
    }
}
