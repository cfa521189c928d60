import DverCore
import DverStore
import DverSystem

/// A pack built for upload from objects of the local store, in a staging directory. Records
/// are copied as stored (compressed records stay compressed); each object is verified against
/// its id first, so a damaged local object is never sent.
struct OutgoingPack {
    var record: RemotePackRecord
    var packPath: String
    var indexPath: String

    /// Objects of the local store grouped by the pack that holds them, packs in name order and
    /// each pack's objects in offset order (so building reads every pack front to back).
    typealias Located = [(pack: PackHandle, entries: [PackEntry])]

    /// Finds `ids` in the local store, in the order `build` reads them.
    /// - Throws: `StoreError.objectNotFound` for an id the store lacks.
    static func locate(_ ids: [ObjectID], in store: ObjectStore) throws -> Located {
        var byPack = [ObjectIdentifier: (pack: PackHandle, entries: [PackEntry])]()
        for id in ids {
            guard let (pack, entry) = store.locate(id) else { throw StoreError.objectNotFound(id) }
            byPack[ObjectIdentifier(pack), default: (pack, [])].entries.append(entry)
        }
        var located = Array(byPack.values)
        byPack = [:]
        located.sort { $0.pack.index.name < $1.pack.index.name }
        for position in located.indices { located[position].entries.sort { $0.offset < $1.offset } }
        return located
    }

    /// Builds one or more packs (a pack closes at 64 MiB) holding `ids`, under `directory`.
    /// - Throws: `StoreError.objectNotFound` / `.corruptObject` for missing or damaged local objects.
    static func build(_ ids: [ObjectID], from store: ObjectStore, in directory: String) throws -> [OutgoingPack] {
        try build(try locate(ids, in: store), in: directory)
    }

    /// Builds one or more packs holding the located objects, under `directory`.
    /// - Throws: `StoreError.corruptObject` / `.corruptPack` for damaged local objects.
    static func build(_ located: Located, in directory: String) throws -> [OutgoingPack] {
        let layout = StoreLayout(root: directory)
        try layout.create(durable: false)   // a staging store, deleted after the upload
        let staging = try ObjectStore(layout: layout)
        let writer = ObjectWriter(store: staging, settings: WriteSettings(codec: .raw, durable: false))
        do {
            for (handle, entries) in located {
                for entry in entries { try copy(entry, of: handle, to: writer) }
            }
            _ = try writer.finish()
        } catch {
            writer.abandon()
            throw error
        }
        return try staging.packIndexes.map { index in
            OutgoingPack(record: RemotePackRecord(name: index.name, packSize: index.packSize,
                                                  indexSize: UInt64(try FileSystem.linkStatus(index.indexPath).size),
                                                  objects: index.count),
                         packPath: index.packPath, indexPath: index.indexPath)
        }
    }

    /// Verifies one stored object against its id and copies its record as stored.
    private static func copy(_ entry: PackEntry, of handle: PackHandle, to writer: ObjectWriter) throws {
        let stored = try handle.storedBytes(entry)
        if entry.codec == .raw {
            guard SHA256.hash(stored) == entry.id else {
                throw StoreError.corruptObject(entry.id, reason: "content does not hash to its id")
            }
            try writer.put(entry.id, kind: entry.kind, bytes: stored, compress: false)
        } else {
            _ = try handle.read(entry, verify: true)
            try writer.copy(entry, stored: stored)
        }
    }

    /// Uploads the pack, then its index, moving their files where the transport can (a
    /// directory remote on the same file system): an outgoing pack is uploaded once.
    func upload(to transport: any RemoteTransport, progress: @escaping TransferProgress) throws {
        try transport.upload(record.packKey, movingFile: packPath, progress: progress)
        try transport.upload(record.indexKey, movingFile: indexPath, progress: { _ in })
    }
}
