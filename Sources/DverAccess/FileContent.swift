import DverCore
import DverStore

/// The bytes of one file of a snapshot, read by range: only the chunk-list nodes on the way to
/// the range and the chunks it covers are read (each verified), one chunk at a time, so memory
/// stays bounded whatever the file's size.
public struct FileContent: Sendable {
    public let source: any ObjectReading
    public let entry: TreeEntry

    public var size: UInt64 { entry.size }

    /// Calls `body` with consecutive pieces of the bytes in `range` (clamped to the file), in
    /// order; `body` returns false to stop early.
    /// - Throws: `StoreError.corruptObject` when the chunk list disagrees with the file's size or
    ///   a chunk with its entry, store errors, or what `body` throws.
    public func read(_ range: Range<UInt64>, _ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        let range = range.clamped(to: 0..<entry.size)
        try visitChunks(overlapping: range) { id, span in
            try chunk(id, start: span.lowerBound, length: span.upperBound - span.lowerBound, range: range, body)
        }
    }

    /// Calls `visit` with each chunk holding bytes of `range` (clamped to the file), in order,
    /// and the bytes of the file it covers, until `visit` returns false. Only the chunk-list
    /// nodes on the way are read: subtrees wholly outside the range are skipped by their lengths.
    /// - Throws: `StoreError.corruptObject` when a node disagrees with the length its parent
    ///   gives it or the list nests too deeply; store errors; what `visit` throws.
    func visitChunks(overlapping range: Range<UInt64>, _ visit: (ObjectID, Range<UInt64>) throws -> Bool) throws {
        let range = range.clamped(to: 0..<entry.size)
        guard !range.isEmpty else { return }
        guard entry.chunked else {
            _ = try visit(entry.id, 0..<entry.size)
            return
        }
        // Depth-first over the chunk list, children in order.
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
                let end = offset + child.length  // totals are at most 2^62: no overflow
                if end > range.lowerBound && offset < range.upperBound {
                    if node.level == 0 {
                        guard try visit(child.id, offset..<end) else { return }
                    } else {
                        children.append((child.id, offset, child.length, depth + 1))
                    }
                }
                offset = end
                if offset >= range.upperBound { break }
            }
            stack.append(contentsOf: children.reversed())
        }
    }

    /// Every byte of the file, in order.
    public func readAll(_ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        try read(0..<entry.size, body)
    }

    /// Passes the part of one chunk (at `start`, `length` bytes long) that lies in `range`.
    private func chunk(_ id: ObjectID, start: UInt64, length: UInt64, range: Range<UInt64>,
                       _ body: (UnsafeRawBufferPointer) throws -> Bool) throws -> Bool {
        try source.withChunk(id) { bytes in
            guard UInt64(bytes.count) == length else {
                throw StoreError.corruptObject(id, reason: "chunk holds \(bytes.count) bytes where the file's list says \(length)")
            }
            let lower = Int(max(range.lowerBound, start) - start)
            let upper = Int(min(range.upperBound, start + length) - start)
            return try body(UnsafeRawBufferPointer(rebasing: bytes[lower..<upper]))
        }
    }
}
