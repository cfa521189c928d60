import DverCore
import DverSystem
import Synchronization

/// Settings for writing objects.
public struct WriteSettings: Sendable {
    public var codec: Codec
    public var level: Int32?
    /// fsync packs, indexes and directories. Only tests of speed turn this off.
    public var durable: Bool
    /// Chunks smaller than this are stored raw when written by `add` (compressing thousands of
    /// tiny files costs more time than everything else `add` does); `gc` compresses them later.
    /// Metadata objects are always compressed when that helps.
    public var minimumCompressedChunk: Int

    public init(codec: Codec = .zstd, level: Int32? = nil, durable: Bool = true, minimumCompressedChunk: Int = 16 << 10) {
        self.codec = codec
        self.level = level
        self.durable = durable
        self.minimumCompressedChunk = minimumCompressedChunk
    }
}

/// What one write session stored.
public struct WriteStatistics: Sendable {
    public init() {}
    public var objectsWritten = 0
    public var rawBytesWritten: UInt64 = 0
    public var storedBytesWritten: UInt64 = 0
    public var packsWritten = 0
}

/// A write session: many threads put objects; each compresses with its own compressor, then
/// appends to the session's open pack under a mutex. `finish` seals the pack durably and makes
/// it visible. Objects already stored, or put twice, are written once.
public final class ObjectWriter: Sendable {
    public let store: ObjectStore
    private let settings: WriteSettings
    private let pack: Mutex<PackWriter>
    private let compressors: Mutex<[CompressorBox]>
    private let pending: Mutex<Set<ObjectID>>

    public init(store: ObjectStore, settings: WriteSettings) {
        self.store = store
        self.settings = settings
        pack = Mutex(PackWriter(packsDirectory: store.layout.packsDirectory,
                                temporaryDirectory: store.layout.temporaryDirectory, durable: settings.durable))
        compressors = Mutex([])
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
        let box = compressors.withLock { $0.popLast() } ?? CompressorBox(Compressor(codec: settings.codec, level: settings.level))
        defer { compressors.withLock { $0.append(box) } }
        let worthTrying = compress && (kind != .chunk || bytes.count >= settings.minimumCompressedChunk)
        let compressed = worthTrying ? box.compressor.compress(bytes) : nil
        try pack.withLock { writer in
            if let (codec, stored) = compressed {
                try stored.withUnsafeBytes { try writer.append(id: id, kind: kind, rawLength: bytes.count, codec: codec, stored: $0) }
            } else {
                try writer.append(id: id, kind: kind, rawLength: bytes.count, codec: .raw, stored: bytes)
            }
        }
        return true
    }

    @discardableResult
    public func put(_ id: ObjectID, kind: ObjectKind, bytes: [UInt8]) throws -> Bool {
        try bytes.withUnsafeBytes { try put(id, kind: kind, bytes: $0) }
    }

    /// Copies a record into this session's pack even though the store has it: used by `gc` to
    /// rewrite live objects out of packs it will delete. Compressed records are copied as
    /// stored; raw ones get another chance to be compressed, whatever their size.
    public func copy(_ entry: PackEntry, stored: UnsafeRawBufferPointer) throws {
        guard pending.withLock({ $0.insert(entry.id).inserted }) else { return }
        var compressed: (Codec, ArraySlice<UInt8>)?
        if entry.codec == .raw {
            let box = compressors.withLock { $0.popLast() } ?? CompressorBox(Compressor(codec: settings.codec, level: settings.level))
            defer { compressors.withLock { $0.append(box) } }
            compressed = box.compressor.compress(stored)
            if let (codec, bytes) = compressed {
                try bytes.withUnsafeBytes { raw in
                    try pack.withLock { try $0.append(id: entry.id, kind: entry.kind, rawLength: Int(entry.rawLength), codec: codec, stored: raw) }
                }
                return
            }
        }
        try pack.withLock { writer in
            try writer.append(id: entry.id, kind: entry.kind, rawLength: Int(entry.rawLength), codec: entry.codec, stored: stored)
        }
    }

    /// True when the object is stored or pending in this session.
    public func has(_ id: ObjectID) -> Bool {
        pending.withLock { $0.contains(id) } || store.contains(id)
    }

    /// Seals the open pack (data, fsync, rename, index, fsync, rename, directory fsync) and adds
    /// every pack of the session to the store. Call once every `put` has returned.
    public func finish() throws -> WriteStatistics {
        let (names, raw, stored) = try pack.withLock { writer in
            try writer.seal()
            return (writer.sealedPacks, writer.rawBytes, writer.storedBytes)
        }
        var statistics = WriteStatistics()
        statistics.rawBytesWritten = raw
        statistics.storedBytesWritten = stored
        statistics.objectsWritten = pending.withLock { $0.count }
        statistics.packsWritten = names.count
        if settings.durable, !names.isEmpty { try FileSystem.syncDirectory(store.layout.packsDirectory) }
        try store.add(packNames: names)
        return statistics
    }

    /// Drops unsealed data after a failure; sealed packs stay (unreferenced, reclaimable).
    public func abandon() {
        pack.withLock { $0.discard() }
    }
}

/// A compressor checked out by one thread at a time from `ObjectWriter`'s pool.
final class CompressorBox: @unchecked Sendable {
    let compressor: Compressor
    init(_ compressor: Compressor) { self.compressor = compressor }
}
