import DverCore

/// Where verified objects come from: the local store, or (for a remote-backed mount) a remote
/// read on demand through a bounded cache. Readers of trees and files above the store take one
/// of these so they work the same over both.
public protocol ObjectReading: Sendable {
    /// The decoded bytes of `id`, verified against the id, which must name an object of `kind`.
    /// - Throws: `StoreError.objectNotFound`, `.unexpectedKind`, `.corruptObject`, or the
    ///   source's own errors (a transfer that failed).
    func read(_ id: ObjectID, as kind: ObjectKind) throws -> [UInt8]

    /// Calls `body` with a chunk's verified bytes, without copying them where the source can.
    func withChunk<T>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T
}

extension ObjectStore: ObjectReading {
    public func withChunk<T>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try withChunk(id, verify: true, body)
    }
}
