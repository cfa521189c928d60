import DverCore
import DverStore

/// Checks of what a remote sends before any of it is stored: index entries against the pack
/// they describe, records against their entries, decoded bytes against their ids and their
/// kind's encoding, and, for a pack taken over whole, every byte of the pack. A failure names
/// the object and the remote pack (`RemoteError.corruptRemoteObject`) or the pack
/// (`RemoteError.corruptRemote`).
enum ReceivedRecords {
    /// Checks that an index entry describes a record that fits inside its pack, with lengths
    /// within its kind's limits (`PackFormat.entryProblem`), so arithmetic on its offset and
    /// lengths cannot overflow and no forged length sizes an allocation.
    /// - Throws: `RemoteError.corruptRemoteObject`.
    static func checkBounds(_ entry: PackEntry, in record: RemotePackRecord) throws {
        if let problem = PackFormat.entryProblem(offset: entry.offset, storedLength: entry.storedLength, rawLength: entry.rawLength,
                                                 kind: entry.kind, codec: entry.codec, packSize: record.packSize) {
            throw RemoteError.corruptRemoteObject(entry.id, pack: record.name, reason: "its index entry is invalid: \(problem)")
        }
    }

    /// Checks one record (`bytes` = record header then stored bytes, exactly) against its
    /// entry, decodes it, and checks its id and, for commits, trees and chunk lists, that the
    /// bytes parse as one.
    /// - Returns: the decoded bytes.
    /// - Throws: `RemoteError.corruptRemoteObject`.
    static func verify(_ bytes: UnsafeRawBufferPointer, entry: PackEntry, pack: String) throws -> [UInt8] {
        func refuse(_ reason: String) -> RemoteError { .corruptRemoteObject(entry.id, pack: pack, reason: reason) }
        guard bytes.count == PackFormat.recordHeaderSize + Int(entry.storedLength), let record = bytes.baseAddress else {
            throw refuse("record lies outside the downloaded bytes")
        }
        guard ObjectID(bytes: record) == entry.id, record.load(fromByteOffset: 32, as: UInt8.self) == entry.kind.rawValue,
              record.load(fromByteOffset: 33, as: UInt8.self) == entry.codec.rawValue,
              UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 34, as: UInt32.self)) == entry.rawLength,
              UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 38, as: UInt32.self)) == entry.storedLength else {
            throw refuse("record header does not match the pack index")
        }
        let stored = UnsafeRawBufferPointer(rebasing: bytes[PackFormat.recordHeaderSize...])
        var raw = [UInt8](repeating: 0, count: Int(entry.rawLength))   // within its kind's limit (checkBounds)
        do {
            try raw.withUnsafeMutableBytes { try Decompressor.decode(entry.codec, stored, into: $0) }
        } catch let failure as DecompressionFailure {
            throw refuse("cannot decode \(entry.codec) data: \(failure.reason)")
        }
        let actual = SHA256.hash(raw)
        guard actual == entry.id else { throw refuse("content hashes to \(actual.hex)") }
        do {
            switch entry.kind {
            case .chunk: break
            case .chunkList: _ = try ChunkListNode.decode(raw)
            case .tree: _ = try TreeNode.decode(raw)
            case .commit: _ = try Commit.decode(raw)
            }
        } catch {
            throw refuse("not a valid \(entry.kind): \(error)")
        }
        return raw
    }

    /// Verifies a whole downloaded pack before it becomes a local pack: its header, then every
    /// record in file order — each one listed in `index` at exactly that offset with the same
    /// kind, codec and lengths, and each verified as `verify` does — then the trailer, so the
    /// pack holds exactly the objects its index lists and nothing else. The index must be
    /// sorted with a correct fan-out table, as a local store's lookups need.
    /// - Parameter keep: ids whose decoded bytes to return.
    /// - Throws: `RemoteError.corruptRemote` (pack structure), `.corruptRemoteObject`.
    static func verifyPack(_ bytes: UnsafeRawBufferPointer, index: PackIndex, record: RemotePackRecord, url: String,
                           keep: Set<ObjectID>) throws -> [ObjectID: [UInt8]] {
        func refuse(_ reason: String) -> RemoteError { .corruptRemote(url: url, reason: "\(record.packKey): \(reason)") }
        guard UInt64(bytes.count) == record.packSize, let base = bytes.baseAddress else {
            throw refuse("\(bytes.count) bytes, expected \(record.packSize) (truncated?)")
        }
        guard PackFormat.packMagic.elementsEqual(UnsafeRawBufferPointer(start: base, count: 8)),
              UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) == PackFormat.version else {
            throw refuse("bad pack header")
        }
        guard index.verifyOrder() else { throw refuse("its index is not sorted or its fan-out table is wrong") }
        let trailer = bytes.count - PackFormat.packTrailerSize
        var offset = PackFormat.packHeaderSize
        var records = 0
        var kept = [ObjectID: [UInt8]]()
        while offset < trailer {
            guard trailer - offset >= PackFormat.recordHeaderSize else { throw refuse("a partial record at offset \(offset)") }
            let id = ObjectID(bytes: base + offset)
            let dataOffset = offset + PackFormat.recordHeaderSize
            guard let entry = index.find(id), entry.offset == UInt64(dataOffset) else {
                throw RemoteError.corruptRemoteObject(id, pack: record.name, reason: "record at offset \(offset) is not in the pack index there")
            }
            try checkBounds(entry, in: record)
            let end = dataOffset + Int(entry.storedLength)   // within the pack (checkBounds)
            let raw = try verify(UnsafeRawBufferPointer(start: base + offset, count: end - offset), entry: entry, pack: record.name)
            if keep.contains(id) { kept[id] = raw }
            records += 1
            offset = end
        }
        let count = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: trailer + 8, as: UInt64.self))
        guard offset == trailer, PackFormat.packTrailerMagic.elementsEqual(UnsafeRawBufferPointer(start: base + trailer, count: 8)),
              count == UInt64(records), records == index.count else {
            throw refuse("holds \(records) records, its trailer says \(count) and its index \(index.count)")
        }
        return kept
    }
}
