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

    /// Builds one or more packs (a pack closes at 64 MiB) holding `ids`, under `directory`.
    /// - Throws: `StoreError.objectNotFound` / `.corruptObject` for missing or damaged local objects.
    static func build(_ ids: [ObjectID], from store: ObjectStore, in directory: String) throws -> [OutgoingPack] {
        let layout = StoreLayout(root: directory)
        try layout.create(durable: false)   // a staging store, deleted after the upload
        let staging = try ObjectStore(layout: layout)
        let writer = ObjectWriter(store: staging, settings: WriteSettings(codec: .raw, durable: false))
        do {
            for id in ids {
                guard let (handle, entry) = store.locate(id) else { throw StoreError.objectNotFound(id) }
                let stored = try handle.storedBytes(entry)
                if entry.codec == .raw {
                    guard SHA256.hash(stored) == id else {
                        throw StoreError.corruptObject(id, reason: "content does not hash to its id")
                    }
                    try writer.put(id, kind: entry.kind, bytes: stored, compress: false)
                } else {
                    _ = try handle.read(entry, verify: true)
                    try writer.copy(entry, stored: stored)
                }
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

    /// Uploads the pack, then its index.
    func upload(to transport: any RemoteTransport, progress: @escaping TransferProgress) throws {
        try transport.upload(record.packKey, fromFile: packPath, progress: progress)
        try transport.upload(record.indexKey, fromFile: indexPath, progress: { _ in })
    }
}
