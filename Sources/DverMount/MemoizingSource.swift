import DverCore
import DverStore
import DverSystem

/// Keeps recently read, already verified objects in memory in front of another source, so a
/// mount does not decode and hash the same chunk-list node or tree again on every request,
/// nor a chunk twice when two neighbouring reads share it. Bounded: metadata and chunks each
/// have a byte budget and drop their least recently used objects.
///
/// Chunks are kept only when asked for (`keep`): copying every chunk cost more (allocation,
/// page faults, copy) than hashing again the one chunk a read ends inside, which is the chunk
/// the next read starts with.
final class MemoizingSource: ObjectReading {
    let source: any ObjectReading
    private let metadata: LeastRecentlyUsed<ObjectID, MemoizedObject>
    private let chunks: LeastRecentlyUsed<ObjectID, [UInt8]>
    /// Chunks to keep when next read (bounded: cleared when it grows past 1,024).
    private let wanted = Locked(Set<ObjectID>())

    /// - Parameters:
    ///   - metadataBudget: bytes of commits, trees and chunk-list nodes kept.
    ///   - chunkBudget: bytes of chunks kept (a few dozen chunks: enough for reads that split a chunk).
    init(_ source: any ObjectReading, metadataBudget: Int = 64 << 20, chunkBudget: Int = 16 << 20) {
        self.source = source
        metadata = LeastRecentlyUsed(budget: metadataBudget)
        chunks = LeastRecentlyUsed(budget: chunkBudget)
    }

    func read(_ id: ObjectID, as kind: ObjectKind) throws -> [UInt8] {
        if kind == .chunk { return try withChunk(id) { Array($0) } }
        if let known = metadata.value(for: id) {
            guard known.kind == kind else { throw StoreError.unexpectedKind(id, expected: kind, actual: known.kind) }
            return known.bytes
        }
        let bytes = try source.read(id, as: kind)
        metadata.insert(MemoizedObject(kind: kind, bytes: bytes), for: id, cost: bytes.count + 64)
        return bytes
    }

    func withChunk<T>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        if let bytes = chunks.value(for: id) { return try bytes.withUnsafeBytes(body) }
        guard wanted.withLock({ $0.remove(id) != nil }) else { return try source.withChunk(id, body) }
        let bytes = try source.withChunk(id) { Array($0) }
        chunks.insert(bytes, for: id, cost: bytes.count + 64)
        return try bytes.withUnsafeBytes(body)
    }
}

extension MemoizingSource {
    /// Asks for chunk `id` to be kept in memory the next time it is read.
    func keep(_ id: ObjectID) {
        wanted.withLock { set in
            if set.count >= 1024 { set.removeAll() }
            set.insert(id)
        }
    }
}

/// A verified object and the kind it was read as.
struct MemoizedObject: Sendable {
    var kind: ObjectKind
    var bytes: [UInt8]
}
