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
        var found: (id: ObjectID, range: Range<UInt64>)?
        try visitChunks(overlapping: offset..<(offset + 1)) { id, span in
            found = (id, span)
            return false
        }
        return found
    }

    /// The chunks that hold the bytes of `range` (clamped to the file), in order, each with the
    /// bytes of the file it covers — what a read of the range will need, found by reading only
    /// the chunk-list nodes on the way. For sources that fetch (a remote), so they can fetch a
    /// range's chunks together.
    /// - Throws: as `read` does for the chunk list.
    public func chunks(overlapping range: Range<UInt64>) throws -> [(id: ObjectID, range: Range<UInt64>)] {
        var found = [(id: ObjectID, range: Range<UInt64>)]()
        try visitChunks(overlapping: range) { id, span in
            found.append((id, span))
            return true
        }
        return found
    }
}
