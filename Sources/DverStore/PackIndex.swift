import DverCore
import DverSystem

/// A memory-mapped, sorted pack index: fan-out table plus `SortedIDSearch`.
public final class PackIndex: Sendable {
    public let name: String
    public let indexPath: String
    public let packPath: String
    public let count: Int
    /// The size the pack file had when it was indexed.
    public let packSize: UInt64
    private let file: MappedFile
    // Immutable view into `file`'s read-only mapping.
    nonisolated(unsafe) private let entries: UnsafeRawPointer?
    nonisolated(unsafe) private let fanout: UnsafeRawPointer?

    /// Maps and validates the header of `pack-NAME.idx`.
    /// - Throws: `StoreError.corruptPack` or `.newerFormat`.
    public init(directory: String, name: String) throws {
        self.name = name
        indexPath = "\(directory)/\(name).idx"
        packPath = "\(directory)/\(name).pack"
        let indexPath = indexPath
        let mapped = try MappedFile(path: indexPath)
        file = mapped
        let bytes = mapped.bytes
        let minimum = PackFormat.indexHeaderSize + PackFormat.fanoutSize + PackFormat.indexTrailerSize
        guard bytes.count >= minimum, let base = bytes.baseAddress else {
            throw StoreError.corruptPack(path: indexPath, reason: "index is truncated (\(bytes.count) bytes)")
        }
        guard PackFormat.indexMagic.elementsEqual(UnsafeRawBufferPointer(start: base, count: 8)) else {
            throw StoreError.corruptPack(path: indexPath, reason: "bad index magic")
        }
        let version = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        if version != PackFormat.version {
            // A version this dver does not know is a newer format only if the file is intact:
            // a flipped version byte fails the checksum and is damage, not a reason to upgrade.
            let body = bytes.count - PackFormat.indexTrailerSize
            guard version > PackFormat.version, SHA256.hash(base, count: body) == ObjectID(bytes: base + body) else {
                throw StoreError.corruptPack(path: indexPath, reason: "index version field is damaged (\(version))")
            }
            throw StoreError.newerFormat(path: indexPath, version: Int(version), supported: Int(PackFormat.version))
        }
        let count = Int(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        guard bytes.count == minimum + count * PackFormat.indexEntrySize else {
            throw StoreError.corruptPack(path: indexPath, reason: "index size does not match its \(count) entries")
        }
        self.count = count
        packSize = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        guard packSize >= UInt64(PackFormat.packHeaderSize + PackFormat.packTrailerSize),
              packSize <= UInt64(Int64.max) else {
            throw StoreError.corruptPack(path: indexPath, reason: "index records an impossible pack size (\(packSize))")
        }
        fanout = base + PackFormat.indexHeaderSize
        entries = base + PackFormat.indexHeaderSize + PackFormat.fanoutSize
    }

    /// The entry for `id`, if this pack holds it.
    public func find(_ id: ObjectID) -> PackEntry? {
        guard let entries, let fanout,
              let position = SortedIDSearch.position(of: id, in: entries, stride: PackFormat.indexEntrySize, fanout: fanout, count: count) else {
            return nil
        }
        return entry(at: position)
    }

    public func id(at index: Int) -> ObjectID {
        precondition(index >= 0 && index < count, "pack index position out of range")
        return ObjectID(bytes: entries! + index * PackFormat.indexEntrySize) // index < count, so entries exists
    }

    /// The entry at sorted position `index` (< count); nil when the entry is invalid (unknown
    /// kind or codec, a record outside the pack, a length over its kind's limit), so every entry
    /// handed out can be used without further checks. `entryProblem(at:)` says what is wrong.
    public func entry(at index: Int) -> PackEntry? {
        guard case .success(let entry) = decodeEntry(at: index) else { return nil }
        return entry
    }

    /// Why the entry at `index` is invalid, or nil when it is valid.
    public func entryProblem(at index: Int) -> String? {
        if case .failure(let problem) = decodeEntry(at: index) { return problem.reason }
        return nil
    }

    private struct EntryProblem: Error { let reason: String }

    private func decodeEntry(at index: Int) -> Result<PackEntry, EntryProblem> {
        guard let entries, index >= 0, index < count else { return .failure(EntryProblem(reason: "no entry \(index)")) }
        let record = entries + index * PackFormat.indexEntrySize
        guard let kind = ObjectKind(rawValue: record.load(fromByteOffset: 48, as: UInt8.self)) else {
            return .failure(EntryProblem(reason: "entry \(index) has an unknown kind"))
        }
        guard let codec = Codec(rawValue: record.load(fromByteOffset: 49, as: UInt8.self)) else {
            return .failure(EntryProblem(reason: "entry \(index) has an unknown codec"))
        }
        let entry = PackEntry(
            id: ObjectID(bytes: record),
            offset: UInt64(bigEndian: record.loadUnaligned(fromByteOffset: 32, as: UInt64.self)),
            storedLength: UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 40, as: UInt32.self)),
            rawLength: UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 44, as: UInt32.self)),
            kind: kind, codec: codec)
        if let problem = PackFormat.entryProblem(offset: entry.offset, storedLength: entry.storedLength, rawLength: entry.rawLength,
                                                 kind: kind, codec: codec, packSize: packSize) {
            return .failure(EntryProblem(reason: "entry \(index) (\(entry.id.shortHex())): \(problem)"))
        }
        return .success(entry)
    }

    /// The first thing wrong with this index — checksum, order, fan-out, or an entry — or nil.
    /// Reads every entry: for fsck and for indexes received from a remote.
    public func problem() -> String? {
        if !verifyChecksum() { return "index checksum mismatch" }
        if !verifyOrder() { return "ids out of order or fan-out table wrong" }
        for position in 0..<count {
            if let problem = entryProblem(at: position) { return problem }
        }
        return nil
    }

    /// Ids sharing a hex prefix (for abbreviated commit ids). Uses the fan-out table to visit
    /// only ids with the right first byte.
    public func ids(withHexPrefix prefix: String) -> [ObjectID] {
        guard let fanout, prefix.utf8.count >= 2, let first = HexCoding.decode(prefix.prefix(2))?.first else {
            return (0..<count).map { id(at: $0) }.filter { $0.hasHexPrefix(prefix) }
        }
        return SortedIDSearch.bucket(Int(first), fanout: fanout, count: count).map { id(at: $0) }.filter { $0.hasHexPrefix(prefix) }
    }

    /// Checks that ids are strictly increasing and that the fan-out table counts them right, so
    /// binary search cannot miss a present object.
    public func verifyOrder() -> Bool {
        guard let fanout else { return count == 0 }
        var expected = [UInt32](repeating: 0, count: 256)
        var previous: ObjectID?
        for position in 0..<count {
            let current = id(at: position)
            if let previous, !(previous < current) { return false }
            previous = current
            expected[Int(current.firstByte)] += 1
        }
        var running: UInt32 = 0
        for byte in 0..<256 {
            running += expected[byte]
            if UInt32(bigEndian: fanout.loadUnaligned(fromByteOffset: byte * 4, as: UInt32.self)) != running { return false }
        }
        return true
    }

    /// Checks the trailing SHA-256 over the index bytes.
    public func verifyChecksum() -> Bool {
        let bytes = file.bytes
        guard let base = bytes.baseAddress else { return false }
        let body = bytes.count - PackFormat.indexTrailerSize
        return SHA256.hash(base, count: body) == ObjectID(bytes: base + body)
    }

    /// Encodes an index for `entries` (any order) of a pack of `packSize` bytes.
    public static func encode(_ entries: [PackEntry], packSize: UInt64) -> [UInt8] {
        let sorted = entries.sorted { $0.id < $1.id }
        var writer = ByteWriter(capacity: PackFormat.indexHeaderSize + PackFormat.fanoutSize
                                + sorted.count * PackFormat.indexEntrySize + 32)
        writer.append(contentsOf: PackFormat.indexMagic)
        writer.appendBigEndian(PackFormat.version)
        writer.appendBigEndian(UInt32(sorted.count))
        writer.appendBigEndian(packSize)
        var counts = [UInt32](repeating: 0, count: 256)
        for entry in sorted { counts[Int(entry.id.firstByte)] += 1 }
        var running: UInt32 = 0
        for byte in 0..<256 {
            running += counts[byte]
            writer.appendBigEndian(running)
        }
        for entry in sorted {
            writer.append(entry.id)
            writer.appendBigEndian(entry.offset)
            writer.appendBigEndian(entry.storedLength)
            writer.appendBigEndian(entry.rawLength)
            writer.append(entry.kind.rawValue)
            writer.append(entry.codec.rawValue)
            writer.appendBigEndian(UInt16(0))
        }
        let checksum = SHA256.hash(writer.bytes)
        writer.append(checksum)
        return writer.bytes
    }
}
