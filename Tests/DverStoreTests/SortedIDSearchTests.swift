import DverCore
@testable import DverStore
import Testing

/// The search behind every pack and multi-pack index lookup: it guesses where an id sits, so it
/// is checked on tables where the guess is good (hashes), bad (ids packed at one end) and
/// meaningless (a damaged, unsorted table).
@Suite("Sorted id search")
struct SortedIDSearchTests {
    /// Records of `stride` bytes (id first, then filler), in the order given.
    static func table(_ ids: [ObjectID], stride: Int = 40) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xee, count: ids.count * stride)
        bytes.withUnsafeMutableBytes { buffer in
            for (position, id) in ids.enumerated() { id.store(to: buffer.baseAddress! + position * stride) }
        }
        return bytes
    }

    static func position(of id: ObjectID, in table: [UInt8], low: Int = 0, high: Int, stride: Int = 40) -> Int? {
        table.withUnsafeBytes { SortedIDSearch.position(of: id, in: $0.baseAddress!, stride: stride, low: low, high: high) }
    }

    static func hashes(_ count: Int, seed: UInt64) -> [ObjectID] {
        (0..<count).map { SHA256.hash(TestData.random(16, seed: seed &+ UInt64($0))) }
    }

    @Test("every hash in a sorted table is found where it is; others are not", arguments: [1, 2, 3, 1000, 50_000])
    func hashTable(count: Int) throws {
        let ids = Self.hashes(count, seed: 1).sorted()
        let table = Self.table(ids)
        for (position, id) in ids.enumerated() {
            #expect(Self.position(of: id, in: table, high: ids.count) == position)
        }
        for absent in Self.hashes(200, seed: 999_999) {
            #expect(Self.position(of: absent, in: table, high: ids.count) == nil)
        }
    }

    @Test("ids far from where their bytes place them are still found")
    func skewedTable() throws {
        // All in the lowest and highest corners of the id space: every guess lands far off.
        let low = (0..<500).map { ObjectID(w0: UInt64($0), w1: 7, w2: 0, w3: 0) }
        let high = (0..<500).map { ObjectID(w0: UInt64.max - 500 + UInt64($0), w1: 0, w2: 0, w3: 0) }
        let ids = (low + high).sorted()
        let table = Self.table(ids)
        for (position, id) in ids.enumerated() {
            #expect(Self.position(of: id, in: table, high: ids.count) == position)
        }
        #expect(Self.position(of: ObjectID(w0: 1 << 63, w1: 0, w2: 0, w3: 0), in: table, high: ids.count) == nil)
        #expect(Self.position(of: ObjectID(w0: 3, w1: 6, w2: 0, w3: 0), in: table, high: ids.count) == nil)
    }

    @Test("a sub-range is searched only within its bounds, an empty one finds nothing")
    func bounds() throws {
        let ids = Self.hashes(1000, seed: 2).sorted()
        let table = Self.table(ids)
        #expect(Self.position(of: ids[500], in: table, low: 400, high: 600) == 500)
        #expect(Self.position(of: ids[100], in: table, low: 400, high: 600) == nil)
        #expect(Self.position(of: ids[700], in: table, low: 400, high: 600) == nil)
        #expect(Self.position(of: ids[500], in: table, low: 500, high: 500) == nil)
        #expect(Self.position(of: ids[500], in: table, low: 600, high: 400) == nil)
    }

    @Test("an unsorted table ends every search, with the id's position or nothing")
    func unsortedTable() throws {
        let ids = Self.hashes(5000, seed: 3)
        let table = Self.table(ids)
        for id in ids + Self.hashes(100, seed: 4) {
            if let position = Self.position(of: id, in: table, high: ids.count) {
                #expect(ids[position] == id)
            }
        }
    }
}
