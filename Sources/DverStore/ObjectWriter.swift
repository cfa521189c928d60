import DverCore
import DverSystem
import Synchronization

/// Settings for writing objects.
public struct WriteSettings: Sendable {
    public var codec: Codec
    public var level: Int32?
    /// fsync packs, indexes and directories. Only tests of speed turn this off.
    public var durable: Bool

    public init(codec: Codec = .zstd, level: Int32? = nil, durable: Bool = true) {
        self.codec = codec
        self.level = level
        self.durable = durable
    }
}

/// What one write session stored.
public struct WriteStatistics: Sendable {
    public var objectsWritten = 0
    public var rawBytesWritten: UInt64 = 0
    public var storedBytesWritten: UInt64 = 0
    public var packsWritten = 0
}

/// A write session: many threads put objects, each through its own pack writer; `finish`
/// seals every pack durably and makes them visible. Objects already stored, or put twice,
/// are written once.
public final class ObjectWriter: Sendable {
    public let store: ObjectStore
    private let settings: WriteSettings
    private let idleWriters: Mutex<[PackWriter]>
    private let allWriters: Mutex<[PackWriter]>
    private let pending: Mutex<Set<ObjectID>>

    public init(store: ObjectStore, settings: WriteSettings) {
        self.store = store
        self.settings = settings
        idleWriters = Mutex([])
        allWriters = Mutex([])
        pending = Mutex([])
    }

    /// Stores an object unless the store or this session already has it.
    /// - Returns: true when the object was newly written.
    /// - Throws: `SystemError` when the pack cannot be written.
    @discardableResult
    public func put(_ id: ObjectID, kind: ObjectKind, bytes: UnsafeRawBufferPointer, compress: Bool = true) throws -> Bool {
        if store.contains(id) { return false }
        let isNew = pending.withLock { $0.insert(id).inserted }
        if !isNew { return false }
        let writer = checkOutWriter()
        defer { idleWriters.withLock { $0.append(writer) } }
        try writer.append(id: id, kind: kind, data: bytes, compress: compress)
        return true
    }

    @discardableResult
    public func put(_ id: ObjectID, kind: ObjectKind, bytes: [UInt8]) throws -> Bool {
        try bytes.withUnsafeBytes { try put(id, kind: kind, bytes: $0) }
    }

    /// Encodes and stores a metadata object, returning its id.
    public func put(encoded bytes: [UInt8], kind: ObjectKind) throws -> ObjectID {
        let id = SHA256.hash(bytes)
        try put(id, kind: kind, bytes: bytes)
        return id
    }

    /// True when the object is stored or pending in this session.
    public func has(_ id: ObjectID) -> Bool {
        pending.withLock { $0.contains(id) } || store.contains(id)
    }

    /// Seals all packs (data, fsync, rename, index, fsync, rename, directory fsync) and adds them
    /// to the store. Call from one thread once every `put` has returned.
    public func finish() throws -> WriteStatistics {
        let writers = allWriters.withLock { $0 }
        var statistics = WriteStatistics()
        var names = [String]()
        for writer in writers {
            try writer.seal()
            names.append(contentsOf: writer.sealedPacks)
            statistics.rawBytesWritten += writer.rawBytes
            statistics.storedBytesWritten += writer.storedBytes
        }
        statistics.objectsWritten = pending.withLock { $0.count }
        statistics.packsWritten = names.count
        if settings.durable, !names.isEmpty { try FileSystem.syncDirectory(store.layout.packsDirectory) }
        try store.add(packNames: names)
        return statistics
    }

    /// Drops unsealed data after a failure; sealed packs stay (unreferenced, reclaimable).
    public func abandon() {
        for writer in allWriters.withLock({ $0 }) { writer.discard() }
    }

    private func checkOutWriter() -> PackWriter {
        if let writer = idleWriters.withLock({ $0.popLast() }) { return writer }
        let writer = PackWriter(packsDirectory: store.layout.packsDirectory,
                                temporaryDirectory: store.layout.temporaryDirectory,
                                codec: settings.codec, level: settings.level, durable: settings.durable)
        allWriters.withLock { $0.append(writer) }
        return writer
    }
}
