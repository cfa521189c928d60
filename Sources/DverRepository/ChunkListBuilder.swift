import DverCore
import DverStore

/// Builds and reads the content-defined tree of chunk-list nodes that describes a large file.
public enum ChunkListBuilder {
    /// Stores the nodes for `chunks` (in file order) and returns the root node id.
    public static func build(_ chunks: [ChunkListNode.Entry], writer: any ObjectSink) throws -> ObjectID {
        precondition(chunks.count > 1, "single-chunk files are stored without a list")
        var level = 0
        var entries = chunks
        while true {
            let ends = NodeBoundary.split(count: entries.count, level: level) { NodeBoundary.keyHash(entries[$0].id) }
            var parents = [ChunkListNode.Entry]()
            parents.reserveCapacity(ends.count)
            var start = 0
            for end in ends {
                let node = ChunkListNode(level: level, entries: Array(entries[start..<end]))
                let id = try writer.put(encoded: node.encoded(), kind: .chunkList)
                parents.append(.init(id: id, length: node.totalLength))
                start = end
            }
            if parents.count == 1 { return parents[0].id }
            entries = parents
            level += 1
        }
    }

    /// The chunks of a file, in order, by walking its list from the root.
    public static func chunks(of root: ObjectID, store: ObjectStore) throws -> [ChunkListNode.Entry] {
        var result = [ChunkListNode.Entry]()
        try collect(root, store: store, into: &result, depth: 0)
        return result
    }

    /// Appends the chunks under node `id` and returns the bytes they cover.
    @discardableResult
    private static func collect(_ id: ObjectID, store: ObjectStore, into result: inout [ChunkListNode.Entry],
                                depth: Int) throws -> UInt64 {
        guard depth < 64 else { throw StoreError.corruptObject(id, reason: "chunk list nested too deeply") }
        let node = try store.decodeChunkList(id)
        if node.level == 0 {
            result.append(contentsOf: node.entries)
            return node.totalLength
        }
        var total: UInt64 = 0
        for entry in node.entries {
            let covered = try collect(entry.id, store: store, into: &result, depth: depth + 1)
            guard covered == entry.length else {
                throw StoreError.corruptObject(id, reason: "child \(entry.id.shortHex()) covers \(covered) bytes, node says \(entry.length)")
            }
            total += covered
        }
        return total
    }
}
