import DverCore
import DverSystem
import Dispatch
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

/// A write session: many threads put objects; each thread checks a pack writer (with its own
/// compressor) out of a pool, so threads compress and write in parallel into separate packs.
/// `finish` seals every pack durably and makes them visible. Objects already stored, or put
/// twice, are written once. A session makes at most one pack at a time per core (a put waits
/// for a free writer when more threads put at once: `add` reads small files on more threads
/// than there are cores); `gc` merges small packs.
///
/// A session made `checkpointable` can also be sealed midway (`checkpoint`), while other
/// threads keep putting: pipeline jobs make each finished datum's outputs durable that way.
public final class ObjectWriter: Sendable {
    public let store: ObjectStore
    private let settings: WriteSettings
    private let idle: Locked<[PackWriter]>
    private let all: Locked<[PackWriter]>
    /// Pack writers not checked out, counting those not made yet: one per core.
    private let free: DispatchSemaphore
    private let objects: SessionObjects
    /// Held shared by every put and exclusively by `checkpoint` and `finish`; nil unless
    /// checkpointable (`add`'s hot path then takes no extra lock).
    private let barrier: ReadWriteLock?
    /// Packs added to the store so far; held while packs are sealed, so `checkpoint` and
    /// `finish` seal one at a time.
    private let published: Locked<Int>

    public init(store: ObjectStore, settings: WriteSettings, checkpointable: Bool = false) {
        self.store = store
        self.settings = settings
        idle = Locked([])
        all = Locked([])
        free = DispatchSemaphore(value: System.coreCount)
        objects = SessionObjects()
        barrier = checkpointable ? ReadWriteLock() : nil
        published = Locked(0)
    }

    /// Stores an object unless the store or this session already has it.
    /// - Returns: true when the object was newly written.
    /// - Throws: `SystemError` when the pack cannot be written.
    @discardableResult
    public func put(_ id: ObjectID, kind: ObjectKind, bytes: UnsafeRawBufferPointer, compress: Bool = true) throws -> Bool {
        guard let barrier else { return try putUnbarred(id, kind: kind, bytes: bytes, compress: compress) }
        return try barrier.withReadLock { try putUnbarred(id, kind: kind, bytes: bytes, compress: compress) }
    }

    private func putUnbarred(_ id: ObjectID, kind: ObjectKind, bytes: UnsafeRawBufferPointer, compress: Bool) throws -> Bool {
        guard bytes.count <= PackFormat.maximumRawLength(kind) else {
            throw StoreError.objectTooLarge(kind: kind, size: bytes.count, limit: PackFormat.maximumRawLength(kind))
        }
        if store.contains(id) { return false }
        guard objects.claim(id) else { return false }
        let writer = checkOut()
        defer { checkIn(writer) }
        let worthTrying = compress && (kind != .chunk || bytes.count >= settings.minimumCompressedChunk)
        let sealed: String?
        if worthTrying, let (codec, stored) = writer.compressor.compress(bytes) {
            sealed = try stored.withUnsafeBytes { try writer.append(id: id, kind: kind, rawLength: bytes.count, codec: codec, stored: $0) }
        } else {
            sealed = try writer.append(id: id, kind: kind, rawLength: bytes.count, codec: .raw, stored: bytes)
        }
        try record(sealed)
        return true
    }

    @discardableResult
    public func put(_ id: ObjectID, kind: ObjectKind, bytes: [UInt8]) throws -> Bool {
        try bytes.withUnsafeBytes { try put(id, kind: kind, bytes: $0) }
    }

    /// Copies a record into this session even though the store has it: used by `gc` to rewrite
    /// live objects out of packs it will delete. Compressed records are copied as stored; raw
    /// ones get another chance to be compressed, whatever their size.
    public func copy(_ entry: PackEntry, stored: UnsafeRawBufferPointer) throws {
        precondition(barrier == nil, "gc's copies go through a session without checkpoints")
        guard objects.claim(entry.id) else { return }
        let writer = checkOut()
        defer { checkIn(writer) }
        let sealed: String?
        if entry.codec == .raw, let (codec, bytes) = writer.compressor.compress(stored) {
            sealed = try bytes.withUnsafeBytes {
                try writer.append(id: entry.id, kind: entry.kind, rawLength: Int(entry.rawLength), codec: codec, stored: $0)
            }
        } else {
            sealed = try writer.append(id: entry.id, kind: entry.kind, rawLength: Int(entry.rawLength), codec: entry.codec, stored: stored)
        }
        try record(sealed)
    }

    /// Hands a pack that filled up during a put to `objects`, which then looks its objects up
    /// in the pack's index instead of holding their ids (the pack is published at `finish`).
    private func record(_ sealedPack: String?) throws {
        guard let sealedPack else { return }
        objects.sealed(try PackIndex(directory: store.layout.packsDirectory, name: sealedPack))
    }

    /// Seals every pack (data, fsync, rename, index, fsync, rename, directory fsync) and adds
    /// them to the store. Call once every `put` has returned.
    public func finish() throws -> WriteStatistics {
        try sealAndPublish(puttingOn: false)
        if published.withLock({ $0 }) > 0 {
            // An accelerator: lookups are correct without it, so a failure here fails nothing.
            try? store.updateMultiPackIndex(durable: settings.durable)
        }
        var statistics = WriteStatistics()
        for writer in all.withLock({ $0 }) {
            statistics.rawBytesWritten += writer.rawBytes
            statistics.storedBytesWritten += writer.storedBytes
        }
        statistics.objectsWritten = objects.count
        statistics.packsWritten = published.withLock { $0 }
        return statistics
    }

    /// Seals every open pack and adds it to the store, so that every object put before the
    /// call (by any thread) is durable and readable when it returns. Puts wait only while the
    /// open packs are ended (their last bytes written), not while they are fsynced; later puts
    /// go into new packs. Each checkpoint that had something to seal makes packs: call it at
    /// intervals, not per object.
    /// - Throws: `SystemError` when a pack cannot be sealed.
    public func checkpoint() throws {
        precondition(barrier != nil, "checkpoint() needs a session made checkpointable")
        try sealAndPublish(puttingOn: true)
    }

    /// - Parameter puttingOn: whether puts follow (then `objects` learns of the packs sealed
    ///   here; at `finish` that would be work for nothing).
    private func sealAndPublish(puttingOn: Bool) throws {
        try published.withLock { published in
            let (closed, sealed) = try barred {
                var closed = [ClosedPack]()
                var sealed = [String]()
                for writer in all.withLock({ $0 }) {
                    if let pack = try writer.closeOpenPack() { closed.append(pack) }
                    sealed.append(contentsOf: writer.takeSealedPacks())
                }
                return (closed, sealed)
            }
            var names = sealed
            var failure: (any Error)?
            for pack in closed {
                do {
                    let name = try pack.seal()
                    names.append(name)
                    if puttingOn { try record(name) }
                } catch { failure = failure ?? error }
            }
            if !names.isEmpty {
                if settings.durable { try FileSystem.syncDirectory(store.layout.packsDirectory) }
                try store.add(packNames: names)
                published += names.count
            }
            if let failure { throw failure }
        }
    }

    /// Runs `body` with puts held off (the barrier taken exclusively), if there is a barrier.
    private func barred<T>(_ body: () throws -> T) throws -> T {
        guard let barrier else { return try body() }
        return try barrier.withWriteLock(body)
    }

    /// Drops unsealed data after a failure; sealed packs stay (unreferenced, reclaimable).
    public func abandon() {
        for writer in all.withLock({ $0 }) { writer.discard() }
    }

    /// A pack writer for one put, waiting while one per core is in use.
    private func checkOut() -> PackWriter {
        free.wait()
        if let writer = idle.withLock({ $0.popLast() }) { return writer }
        let writer = PackWriter(packsDirectory: store.layout.packsDirectory,
                                temporaryDirectory: store.layout.temporaryDirectory, durable: settings.durable,
                                compressor: Compressor(codec: settings.codec, level: settings.level))
        all.withLock { $0.append(writer) }
        return writer
    }

    private func checkIn(_ writer: PackWriter) {
        idle.withLock { $0.append(writer) }
        free.signal()
    }
}
