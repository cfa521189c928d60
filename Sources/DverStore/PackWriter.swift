import DverCore
import DverSystem
#if canImport(Glibc)
import Glibc
#endif

/// Appends records to one pack at a time and seals each pack durably: pack data, fsync, rename,
/// then its index, fsync, rename (FORMAT.md, "Write order").
///
/// Used by one thread at a time: `ObjectWriter` checks writers out of a locked pool.
final class PackWriter: @unchecked Sendable {
    private let packsDirectory: String
    private let temporaryDirectory: String
    private let durable: Bool

    private var fd: FileDescriptor?
    private var temporaryPath = ""
    private var buffer: [UInt8] = []
    private var offset: UInt64 = 0
    /// Bytes before this offset have had writeback started (see `startWritebackIfDue`).
    private var writebackStarted: UInt64 = 0
    private static let writebackStep: UInt64 = 8 << 20
    private var entries: [PackEntry] = []
    private(set) var sealedPacks: [String] = []
    private(set) var rawBytes: UInt64 = 0
    private(set) var storedBytes: UInt64 = 0

    /// This writer's compressor, used by the thread that has the writer checked out.
    let compressor: Compressor

    init(packsDirectory: String, temporaryDirectory: String, durable: Bool, compressor: Compressor) {
        self.packsDirectory = packsDirectory
        self.temporaryDirectory = temporaryDirectory
        self.durable = durable
        self.compressor = compressor
        buffer.reserveCapacity(1 << 20)
    }

    /// Appends one object whose bytes are already encoded with `codec`.
    /// - Returns: the name of the pack this object filled and sealed, if it did.
    func append(id: ObjectID, kind: ObjectKind, rawLength: Int, codec: Codec, stored data: UnsafeRawBufferPointer) throws -> String? {
        if fd == nil { try open() }
        let storedCount = data.count
        // The 42-byte record header, built on the stack (no array per object).
        var header: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &header) { raw in
            id.store(to: raw.baseAddress!)  // 48 bytes of room
            raw[32] = kind.rawValue
            raw[33] = codec.rawValue
            raw.storeBytes(of: UInt32(rawLength).bigEndian, toByteOffset: 34, as: UInt32.self)
            raw.storeBytes(of: UInt32(storedCount).bigEndian, toByteOffset: 38, as: UInt32.self)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[..<PackFormat.recordHeaderSize]))
        }
        let dataOffset = offset + UInt64(PackFormat.recordHeaderSize)
        if data.count >= 16 << 10 {
            try flushBuffer()
            if let base = data.baseAddress { try fd?.writeAll(base, count: data.count) }
        } else {
            buffer.append(contentsOf: data)
        }
        offset = dataOffset + UInt64(storedCount)
        entries.append(PackEntry(id: id, offset: dataOffset, storedLength: UInt32(storedCount),
                                 rawLength: UInt32(rawLength), kind: kind, codec: codec))
        rawBytes += UInt64(rawLength)
        storedBytes += UInt64(storedCount)
        if buffer.count >= 1 << 20 { try flushBuffer() }
        startWritebackIfDue()
        guard offset >= UInt64(PackFormat.targetPackSize), let pack = try closeOpenPack() else { return nil }
        let name = try pack.seal()
        sealedPacks.append(name)
        return name
    }

    /// Ends the open pack (records and trailer written, not yet durable) and hands it over to be
    /// sealed; the next append starts a new pack. Nil when no pack is open or it holds nothing.
    func closeOpenPack() throws -> ClosedPack? {
        guard let fd else { return nil }
        // `fd` stays set until the data is handed over, so `discard` can remove a pack whose flush failed.
        if entries.isEmpty {
            fd.close()
            self.fd = nil
            try FileSystem.removeIfExists(temporaryPath)
            InterruptCleanup.unregisterTemporary(temporaryPath)
            return nil
        }
        var trailer = ByteWriter(capacity: PackFormat.packTrailerSize)
        trailer.append(contentsOf: PackFormat.packTrailerMagic)
        trailer.appendBigEndian(UInt64(entries.count))
        buffer.append(contentsOf: trailer.bytes)
        try flushBuffer()
        let packSize = offset + UInt64(PackFormat.packTrailerSize)
        self.fd = nil
        defer { entries.removeAll(keepingCapacity: true) }
        return ClosedPack(fd: fd, temporaryPath: temporaryPath, packsDirectory: packsDirectory, durable: durable,
                          index: PackIndex.encode(entries, packSize: packSize))
    }

    /// The packs sealed since the last call (they are then the caller's to publish).
    func takeSealedPacks() -> [String] {
        defer { sealedPacks.removeAll() }
        return sealedPacks
    }

    /// Removes the open temporary pack without sealing it (used when an operation fails).
    func discard() {
        if let fd {
            fd.close()
            _ = try? FileSystem.removeIfExists(temporaryPath)
            InterruptCleanup.unregisterTemporary(temporaryPath)
        }
        fd = nil
        entries.removeAll()
        buffer.removeAll(keepingCapacity: true)
    }

    private func open() throws {
        temporaryPath = "\(temporaryDirectory)/pack-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).tmp"
        // Removed if the process is interrupted (Ctrl-C) before the pack is sealed.
        InterruptCleanup.registerTemporary(temporaryPath)
        let fd = try FileDescriptor.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, mode: 0o444)
        self.fd = fd
        buffer.removeAll(keepingCapacity: true)
        var header = ByteWriter(capacity: PackFormat.packHeaderSize)
        header.append(contentsOf: PackFormat.packMagic)
        header.appendBigEndian(PackFormat.version)
        header.appendBigEndian(UInt32(0))
        buffer.append(contentsOf: header.bytes)
        offset = UInt64(PackFormat.packHeaderSize)
        writebackStarted = 0
    }

    /// Starts writeback of every full 8 MiB written since the last call, so that the fsync at
    /// `seal` has little left to do and disk writes overlap hashing.
    private func startWritebackIfDue() {
        guard let fd, durable else { return }
        let written = offset - UInt64(buffer.count)
        guard written >= writebackStarted + Self.writebackStep else { return }
        let end = written / Self.writebackStep * Self.writebackStep
        fd.startWriteback(offset: Int64(writebackStarted), count: Int64(end - writebackStarted))
        writebackStarted = end
    }

    private func flushBuffer() throws {
        guard !buffer.isEmpty, let fd else { return }
        try buffer.withUnsafeBytes { raw in
            try fd.writeAll(raw.baseAddress!, count: raw.count)  // non-empty
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A pack whose records and trailer are written: `seal` makes it durable and visible (FORMAT.md,
/// "Write order"). Split from `PackWriter` so that the slow part (fsync) can run while the writer
/// takes new objects (`ObjectWriter.checkpoint`).
struct ClosedPack: Sendable {
    let fd: FileDescriptor
    let temporaryPath: String
    let packsDirectory: String
    let durable: Bool
    let index: [UInt8]

    /// fsync, close, rename, then the index (temp, fsync, rename). On failure the temporary
    /// pack is removed.
    /// - Returns: the pack's name.
    func seal() throws -> String {
        do {
            if durable { try fd.sync() }
        } catch {
            fd.close()
            _ = try? FileSystem.removeIfExists(temporaryPath)
            InterruptCleanup.unregisterTemporary(temporaryPath)
            throw error
        }
        fd.close()
        // Named after the index checksum, which fixes where every record lies: two writers that
        // store the same objects in another order must not rename over each other's pack.
        let name = "pack-" + HexCoding.encode(index.suffix(PackFormat.indexTrailerSize))
        // Ctrl-C waits for both steps: a pack without its index would be a leftover.
        try InterruptCleanup.deferringInterruption {
            try FileSystem.rename(temporaryPath, to: "\(packsDirectory)/\(name).pack")
            InterruptCleanup.unregisterTemporary(temporaryPath)
            try FileSystem.writeAtomically("\(packsDirectory)/\(name).idx", index, durable: durable)
        }
        return name
    }
}
