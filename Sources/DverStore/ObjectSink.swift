import DverCore

/// Where computed objects go: an `ObjectWriter` stores them; a `HashingSink` only names them
/// (used by `status` and `diff`, which hash workspace files without storing anything).
public protocol ObjectSink: Sendable {
    @discardableResult
    func put(_ id: ObjectID, kind: ObjectKind, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool
}

extension ObjectSink {
    /// Stores a metadata object and returns its id.
    public func put(encoded bytes: [UInt8], kind: ObjectKind) throws -> ObjectID {
        let id = SHA256.hash(bytes)
        try bytes.withUnsafeBytes { _ = try put(id, kind: kind, bytes: $0, compress: true) }
        return id
    }
}

extension ObjectWriter: ObjectSink {}

/// Discards objects; ids are still computed by the caller.
public struct HashingSink: ObjectSink {
    public init() {}
    public func put(_ id: ObjectID, kind: ObjectKind, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool { false }
}
