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
