import DverCore
import Testing

@Suite("Node boundaries")
struct NodeBoundaryTests {
    static func keys(_ count: Int, salt: String = "") -> [UInt64] {
        (0..<count).map { NodeBoundary.keyHash(ObjectID.of("\(salt)\($0)")) }
    }

    static func nodes(_ keys: [UInt64], level: Int = 0) -> [ArraySlice<UInt64>] {
        var start = 0
        return NodeBoundary.split(count: keys.count, level: level) { keys[$0] }.map { end in
            defer { start = end }
            return keys[start..<end]
        }
    }

    @Test("FNV-1a and SplitMix64 finalizer known values")
    func hashes() {
        #expect(NodeBoundary.fnv1a([UInt8]()) == 0xcbf2_9ce4_8422_2325)
        #expect(NodeBoundary.fnv1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(NodeBoundary.keyHash("foobar") == 0x85944171f73967e8)
        #expect(NodeBoundary.mix(0) == 0)
        #expect(NodeBoundary.mix(0x9e37_79b9_7f4a_7c15) == 0xe220_a839_7b1d_cdaf)
        #expect(NodeBoundary.keyHash(ObjectID.repeating(0xAB)) == 0xABAB_ABAB_ABAB_ABAB)
    }

    @Test("split is deterministic and covers every entry in order", arguments: [0, 1, 3, 4, 64, 5_000])
    func coverage(count: Int) {
        let keys = Self.keys(count)
        let ends = NodeBoundary.split(count: count, level: 0) { keys[$0] }
        #expect(ends == NodeBoundary.split(count: count, level: 0) { keys[$0] })
        #expect(ends.last == count)
        #expect(ends == ends.sorted())
        #expect(Set(ends).count == ends.count)
        #expect(!ends.isEmpty)
    }

    @Test("nodes other than the last hold min...max entries", arguments: [0, 1, 2])
    func sizeLimits(level: Int) {
        let nodes = Self.nodes(Self.keys(20_000, salt: "L\(level)"), level: level)
        for node in nodes.dropLast() {
            #expect((NodeBoundary.minimumEntries...NodeBoundary.maximumEntries).contains(node.count))
        }
        #expect(nodes.last.map { $0.count <= NodeBoundary.maximumEntries } == true)
        let average = 20_000 / nodes.count
        #expect((40...100).contains(average), "average fan-out \(average)")
    }

    @Test("the maximum forces a boundary when no key qualifies")
    func maximumForced() {
        // A key whose level-0 hash never has its low six bits zero.
        let key = (UInt64(0)...).first { NodeBoundary.levelHash($0, level: 0) & NodeBoundary.mask != 0 } ?? 0
        let ends = NodeBoundary.split(count: 2_500, level: 0) { _ in key }
        #expect(ends == [1_024, 2_048, 2_500])
    }

    @Test("the minimum suppresses early boundaries")
    func minimumRespected() {
        let key = (UInt64(0)...).first { NodeBoundary.levelHash($0, level: 0) & NodeBoundary.mask == 0 } ?? 0
        #expect(NodeBoundary.split(count: 10, level: 0) { _ in key } == [4, 8, 10])
    }

    @Test("levels use different boundaries")
    func levelsDiffer() {
        let keys = Self.keys(5_000)
        #expect(NodeBoundary.split(count: keys.count, level: 0) { keys[$0] }
                != NodeBoundary.split(count: keys.count, level: 1) { keys[$0] })
    }

    @Test("inserting or removing one key changes O(1) nodes", arguments: [7, 2_500, 9_999])
    func locality(position: Int) {
        let keys = Self.keys(10_000)
        var inserted = keys
        inserted.insert(NodeBoundary.keyHash(ObjectID.of("new")), at: position)
        var removed = keys
        removed.remove(at: position)
        let before = Self.nodes(keys)
        for after in [Self.nodes(inserted), Self.nodes(removed)] {
            let unchanged = Set(before.map(Array.init)).intersection(after.map(Array.init)).count
            #expect(before.count - unchanged <= 3, "\(before.count - unchanged) of \(before.count) nodes rewritten")
            #expect(after.count - unchanged <= 3)
        }
    }
}
