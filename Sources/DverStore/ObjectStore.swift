import DverCore
import DverSystem

/// Read access to every sealed pack of a store. Thread-safe; readers take no file locks.
///
/// Lookups search the packs that no multi-pack index layer covers one by one, newest first,
/// then the layers (one binary search each), so their cost does not grow with the pack count.
public final class ObjectStore: Sendable {
    public let layout: StoreLayout
    private let state: ReadMostly<PackSet>

    /// Opens the store's packs. Packs without an index (an interrupted write) are ignored.
    /// - Throws: `StoreError` for unreadable or corrupt indexes.
    public init(layout: StoreLayout) throws {
        self.layout = layout
        state = ReadMostly(PackSet())
        try reload()
    }

    /// Re-reads the pack directory and the multi-pack index, picking up packs sealed by other
    /// writers.
    public func reload() throws {
        let directory = layout.packsDirectory
        let names = try FileSystem.list(directory)
            .map(\.name).filter { $0.hasSuffix(".idx") && $0.hasPrefix("pack-") }
            .map { String($0.dropLast(4)) }.sorted()
        let current = state.read()
        let known = Dictionary(current.handles.map { ($0.index.name, $0) }, uniquingKeysWith: { first, _ in first })
        var handles = [PackHandle]()
        for name in names {
            if let existing = known[name] {
                handles.append(existing)
            } else {
                handles.append(PackHandle(index: try PackIndex(directory: directory, name: name)))
            }
        }
        let layers = MultiPackChain.load(directory: directory, known: current.layerIndexes)
        state.write { $0 = PackSet(handles: handles, layers: layers) }
    }

    /// Registers freshly sealed packs.
    func add(packNames: [String]) throws {
        var added = [PackHandle]()
        let known = Set(packIndexes.map(\.name))
        for name in packNames where !known.contains(name) {
            added.append(PackHandle(index: try PackIndex(directory: layout.packsDirectory, name: name)))
        }
        state.write { $0 = PackSet(handles: $0.handles + added, layers: $0.layerIndexes) }
    }

    public var packIndexes: [PackIndex] { state.read { $0.handles.map(\.index) } }

    public var packHandles: [PackHandle] { state.read { $0.handles } }

    /// The multi-pack index layers in use, oldest first: the intact ones (checking them).
    public var multiPackLayers: [MultiPackIndex] { packSet.layerIndexes.filter(\.isIntact) }

    var packSet: PackSet { state.read() }

    /// The handle of a sealed pack by name.
    public func locateHandle(pack name: String) -> PackHandle? {
        packHandles.first { $0.index.name == name }
    }

    /// Locates an object.
    public func locate(_ id: ObjectID) -> (PackHandle, PackEntry)? {
        state.read { $0.locate(id) }
    }

    /// Locates an object by searching every pack's own index, trusting no multi-pack index:
    /// for what must not mistake a stored object for a missing one (gc's mark, fsck).
    public func locateInEveryPack(_ id: ObjectID) -> (PackHandle, PackEntry)? {
        for handle in packHandles.reversed() {
            if let entry = handle.index.find(id) { return (handle, entry) }
        }
        return nil
    }

    public func contains(_ id: ObjectID) -> Bool { locate(id) != nil }

    /// Locates an object, re-reading the pack directory once if it is not found (another
    /// process may have sealed or repacked it since this store was opened), and searching every
    /// pack before saying it is missing.
    private func locateReloading(_ id: ObjectID) throws -> (PackHandle, PackEntry)? {
        if let found = locate(id) { return found }
        try reload()
        return locate(id) ?? locateInEveryPack(id)
    }

    /// Deletes packs (index first, so readers stop seeing them, then data) and forgets them.
    /// Processes that already mapped a pack keep reading it until they unmap it.
    public func remove(packNames: [String]) throws {
        let doomed = Set(packNames)
        state.write { $0 = PackSet(handles: $0.handles.filter { !doomed.contains($0.index.name) }, layers: $0.layerIndexes) }
        for name in packNames {
            try FileSystem.removeIfExists("\(layout.packsDirectory)/\(name).idx")
            try FileSystem.removeIfExists("\(layout.packsDirectory)/\(name).pack")
        }
        try FileSystem.syncDirectory(layout.packsDirectory)
    }

    /// Reads, decodes and (by default) verifies an object.
    /// - Throws: `StoreError.objectNotFound`, `.corruptPack`, `.corruptObject`.
    public func read(_ id: ObjectID, verify: Bool = true) throws -> (ObjectKind, [UInt8]) {
        guard let (handle, entry) = try locateReloading(id) else { throw StoreError.objectNotFound(id) }
        let bytes = try handle.read(entry, verify: verify)
        return (entry.kind, bytes)
    }

    /// Reads an object that must be of `kind`.
    public func read(_ id: ObjectID, as kind: ObjectKind) throws -> [UInt8] {
        let (actual, bytes) = try read(id)
        guard actual == kind else { throw StoreError.unexpectedKind(id, expected: kind, actual: actual) }
        return bytes
    }

    /// Calls `body` with a chunk's verified bytes; raw chunks are passed straight from the mapping.
    public func withChunk<T>(_ id: ObjectID, verify: Bool = true,
                             _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        guard let (handle, entry) = try locateReloading(id) else { throw StoreError.objectNotFound(id) }
        return try handle.withBytes(entry, verify: verify, body)
    }

    /// Object ids in the store starting with a hex prefix.
    public func ids(withHexPrefix prefix: String) -> [ObjectID] {
        var result = Set<ObjectID>()
        for index in packIndexes { result.formUnion(index.ids(withHexPrefix: prefix)) }
        return result.sorted()
    }

    public func decodeTree(_ id: ObjectID) throws -> TreeNode {
        let bytes = try read(id, as: .tree)
        return try TreeNode.decode(bytes)
    }

    public func decodeChunkList(_ id: ObjectID) throws -> ChunkListNode {
        let bytes = try read(id, as: .chunkList)
        return try ChunkListNode.decode(bytes)
    }

    public func decodeCommit(_ id: ObjectID) throws -> Commit {
        let bytes = try read(id, as: .commit)
        return try Commit.decode(bytes)
    }
}

/// One sealed pack: its index and a lazily created mapping of its data.
public final class PackHandle: Sendable {
    public let index: PackIndex
    private let mapping: ReadMostly<MappedFile?>

    init(index: PackIndex) {
        self.index = index
        mapping = ReadMostly(nil)
    }

    /// The pack's mapping, checked against the size its index recorded.
    public func mapped() throws -> MappedFile {
        if let file = mapping.read() { return file }
        let path = index.packPath
        let file = try MappedFile(path: path)
        guard UInt64(file.count) >= index.packSize else {
            throw StoreError.corruptPack(path: path, reason: "truncated to \(file.count) bytes, index expects \(index.packSize)")
        }
        let header = UnsafeRawBufferPointer(rebasing: file.bytes.prefix(PackFormat.packHeaderSize))
        guard header.count == PackFormat.packHeaderSize, PackFormat.packMagic.elementsEqual(header.prefix(8)) else {
            throw StoreError.corruptPack(path: path, reason: "bad pack header")
        }
        let version = UInt32(bigEndian: header.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == PackFormat.version else {
            // Its index (checked when opened) is of this version: the pack's header is damaged.
            throw StoreError.corruptPack(path: path, reason: "pack header has version \(version), its index \(PackFormat.version)")
        }
        // Two threads may map at once: keep the first mapping, so no caller's pointers go stale.
        return mapping.write { current in
            if let current { return current }
            current = file
            return file
        }
    }

    /// The stored (possibly compressed) bytes of an entry, bounds-checked (entries may come from
    /// elsewhere than this pack's index, e.g. a remote's).
    public func storedBytes(_ entry: PackEntry) throws -> UnsafeRawBufferPointer {
        let file = try mapped()
        if let problem = PackFormat.entryProblem(offset: entry.offset, storedLength: entry.storedLength, rawLength: entry.rawLength,
                                                 kind: entry.kind, codec: entry.codec, packSize: index.packSize) {
            throw StoreError.corruptPack(path: index.packPath, reason: "object \(entry.id.shortHex()): \(problem)")
        }
        guard let base = file.bytes.baseAddress else {
            throw StoreError.corruptPack(path: index.packPath, reason: "the pack is empty")
        }
        // entryProblem proved offset + storedLength <= packSize <= the mapping's size.
        return UnsafeRawBufferPointer(start: base + Int(entry.offset), count: Int(entry.storedLength))
    }

    /// Checks the record header in front of an entry's bytes (id, kind, codec and both lengths
    /// must repeat the index entry).
    /// - Throws: `StoreError.corruptPack` naming the field that differs.
    public func verifyRecordHeader(_ entry: PackEntry) throws {
        let stored = try storedBytes(entry)
        let header = UnsafeRawBufferPointer(start: stored.baseAddress.map { $0 - PackFormat.recordHeaderSize },
                                            count: PackFormat.recordHeaderSize)
        guard let start = header.baseAddress else { return }
        var differs = [String]()
        if ObjectID(bytes: start) != entry.id { differs.append("id") }
        if header[32] != entry.kind.rawValue { differs.append("kind") }
        if header[33] != entry.codec.rawValue { differs.append("codec") }
        if UInt32(bigEndian: header.loadUnaligned(fromByteOffset: 34, as: UInt32.self)) != entry.rawLength { differs.append("raw length") }
        if UInt32(bigEndian: header.loadUnaligned(fromByteOffset: 38, as: UInt32.self)) != entry.storedLength { differs.append("stored length") }
        if !differs.isEmpty {
            throw StoreError.corruptPack(path: index.packPath,
                                         reason: "record header of \(entry.id.shortHex()) disagrees with the index (\(differs.joined(separator: ", ")))")
        }
    }

    /// Checks the pack's trailer: its magic and a record count equal to the index's.
    /// - Throws: `StoreError.corruptPack`.
    public func verifyTrailer() throws {
        let file = try mapped()
        let size = Int(index.packSize)  // <= Int64.max, checked by PackIndex
        let trailer = UnsafeRawBufferPointer(rebasing: file.bytes[(size - PackFormat.packTrailerSize)..<size])
        guard PackFormat.packTrailerMagic.elementsEqual(trailer.prefix(8)),
              UInt64(bigEndian: trailer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) == UInt64(index.count) else {
            throw StoreError.corruptPack(path: index.packPath, reason: "pack trailer is damaged or counts other records than its index")
        }
    }

    func withBytes<T>(_ entry: PackEntry, verify: Bool, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let stored = try storedBytes(entry)
        if entry.codec == .raw {
            guard stored.count == Int(entry.rawLength) else {
                throw StoreError.corruptPack(path: index.packPath, reason: "raw length mismatch for \(entry.id.shortHex())")
            }
            if verify { try check(entry.id, stored) }
            return try body(stored)
        }
        let decoded = try read(entry, verify: verify)
        return try decoded.withUnsafeBytes(body)
    }

    public func read(_ entry: PackEntry, verify: Bool) throws -> [UInt8] {
        let stored = try storedBytes(entry)
        var output = [UInt8](repeating: 0, count: Int(entry.rawLength))
        do {
            try output.withUnsafeMutableBytes { raw in
                try Decompressor.decode(entry.codec, stored, into: raw)
            }
        } catch let failure as DecompressionFailure {
            throw StoreError.corruptObject(entry.id, reason: "cannot decode \(entry.codec) data: \(failure.reason)")
        }
        if verify { try output.withUnsafeBytes { raw throws in try check(entry.id, raw) } }
        return output
    }

    private func check(_ id: ObjectID, _ bytes: UnsafeRawBufferPointer) throws {
        let actual = SHA256.hash(bytes)
        guard actual == id else { throw StoreError.corruptObject(id, reason: "content hashes to \(actual.hex)") }
    }
}
