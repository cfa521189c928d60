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

    /// The chunks of a file, in order, by walking its list from the root. The list is first
    /// measured node by node (each distinct node once), so a list whose shared nodes expand to
    /// an absurd number of chunks — more than one per KiB of the file plus 1,024 — is refused
    /// before anything is expanded into memory.
    /// - Throws: `StoreError.corruptObject` for inconsistent lengths, chunks over the maximum
    ///   chunk size, or too many chunks; store errors.
    public static func chunks(of root: ObjectID, store: ObjectStore) throws -> [ChunkListNode.Entry] {
        var memo = [ObjectID: Measure]()
        let measure = try self.measure(root, store: store, memo: &memo, depth: 0)
        guard measure.chunks <= measure.bytes / 1024 + 1024 else {
            throw StoreError.corruptObject(root, reason: "chunk list expands to \(measure.chunks) chunks for \(measure.bytes) bytes")
        }
        var result = [ChunkListNode.Entry]()
        result.reserveCapacity(Int(measure.chunks))
        try collect(root, store: store, into: &result)
        return result
    }

    /// The bytes and chunks beneath a node.
    private struct Measure {
        var bytes: UInt64
        var chunks: UInt64
    }

    private static func measure(_ id: ObjectID, store: ObjectStore, memo: inout [ObjectID: Measure], depth: Int) throws -> Measure {
        if let known = memo[id] { return known }
        guard depth <= ChunkListNode.maximumLevel else { throw StoreError.corruptObject(id, reason: "chunk list nested too deeply") }
        let node = try store.decodeChunkList(id)
        var total = Measure(bytes: 0, chunks: 0)
        for entry in node.entries {
            let child: Measure
            if node.level == 0 {
                guard entry.length <= UInt64(PackFormat.maximumChunkSize) else {
                    throw StoreError.corruptObject(id, reason: "chunk \(entry.id.shortHex()) claims \(entry.length) bytes, more than a chunk holds")
                }
                child = Measure(bytes: entry.length, chunks: 1)
            } else {
                child = try measure(entry.id, store: store, memo: &memo, depth: depth + 1)
                guard child.bytes == entry.length else {
                    throw StoreError.corruptObject(id, reason: "child \(entry.id.shortHex()) covers \(child.bytes) bytes, node says \(entry.length)")
                }
            }
            // Node totals are at most 2^62 (checked when decoded), so these sums cannot overflow.
            total.bytes += child.bytes
            total.chunks += child.chunks
        }
        memo[id] = total
        return total
    }

    /// Appends the chunks under node `id` (already measured, so consistent and bounded).
    private static func collect(_ id: ObjectID, store: ObjectStore, into result: inout [ChunkListNode.Entry]) throws {
        let node = try store.decodeChunkList(id)
        if node.level == 0 {
            result.append(contentsOf: node.entries)
        } else {
            for entry in node.entries { try collect(entry.id, store: store, into: &result) }
        }
    }
}
