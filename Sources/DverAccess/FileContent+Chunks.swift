import DverCore
import DverStore

extension FileContent {
    /// The chunk holding byte `offset` of the file — its id and the bytes of the file it
    /// covers — reading only the chunk-list nodes on the way; nil at or past the end. What a
    /// reader needs to fetch the chunk after the one it is reading (read-ahead).
    /// - Throws: `StoreError.corruptObject` when a node disagrees with the length its parent
    ///   gives it or the list nests too deeply; store errors.
    public func chunk(at offset: UInt64) throws -> (id: ObjectID, range: Range<UInt64>)? {
        guard offset < entry.size else { return nil }
        guard entry.chunked else { return (entry.id, 0..<entry.size) }
        var id = entry.id
        var start: UInt64 = 0
        var length = entry.size
        for _ in 0...ChunkListNode.maximumLevel {
            let node = try ChunkListNode.decode(source.read(id, as: .chunkList))
            guard node.totalLength == length else {
                throw StoreError.corruptObject(id, reason: "chunk list node covers \(node.totalLength) bytes where \(length) are expected")
            }
            var childStart = start
            var found: (id: ObjectID, start: UInt64, length: UInt64)?
            for child in node.entries {
                let end = childStart + child.length   // totals are at most 2^62: no overflow
                if offset < end {
                    found = (child.id, childStart, child.length)
                    break
                }
                childStart = end
            }
            guard let found else { return nil }   // offset < length = the sum of the children: unreachable
            if node.level == 0 { return (found.id, found.start..<(found.start + found.length)) }
            (id, start, length) = found
        }
        throw StoreError.corruptObject(entry.id, reason: "chunk list nested too deeply")
    }
}

extension FileContent {
    /// The chunks that hold the bytes of `range` (clamped to the file), in order, each with the
    /// bytes of the file it covers — what a read of the range will need, found by reading only
    /// the chunk-list nodes on the way. For sources that fetch (a remote), so they can fetch a
    /// range's chunks together.
    /// - Throws: as `read` does for the chunk list.
    public func chunks(overlapping range: Range<UInt64>) throws -> [(id: ObjectID, range: Range<UInt64>)] {
        let range = range.clamped(to: 0..<entry.size)
        guard !range.isEmpty else { return [] }
        guard entry.chunked else { return [(entry.id, 0..<entry.size)] }
        var found = [(id: ObjectID, range: Range<UInt64>)]()
        var stack: [(id: ObjectID, start: UInt64, length: UInt64, depth: Int)] = [(entry.id, 0, entry.size, 0)]
        while let (id, start, length, depth) = stack.popLast() {
            guard depth <= ChunkListNode.maximumLevel else { throw StoreError.corruptObject(entry.id, reason: "chunk list nested too deeply") }
            let node = try ChunkListNode.decode(source.read(id, as: .chunkList))
            guard node.totalLength == length else {
                throw StoreError.corruptObject(id, reason: "chunk list node covers \(node.totalLength) bytes where \(length) are expected")
            }
            var children = [(id: ObjectID, start: UInt64, length: UInt64, depth: Int)]()
            var offset = start
            for child in node.entries {
                let end = offset + child.length   // totals are at most 2^62: no overflow
                if end > range.lowerBound && offset < range.upperBound {
                    if node.level == 0 {
                        found.append((child.id, offset..<end))
                    } else {
                        children.append((child.id, offset, child.length, depth + 1))
                    }
                }
                offset = end
                if offset >= range.upperBound { break }
            }
            stack.append(contentsOf: children.reversed())
        }
        return found
    }
}
