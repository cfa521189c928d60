import DverCore
import DverRemote
import DverStore
import DverSystem
import Foundation
import Testing

/// One object for a hand-made pack: its kind and bytes, and the id its record claims (by
/// default the SHA-256 of the bytes, as a well-formed object has).
struct HandMadeObject {
    var kind: ObjectKind
    var bytes: [UInt8]
    var id: ObjectID

    init(_ kind: ObjectKind, _ bytes: [UInt8], id: ObjectID? = nil) {
        self.kind = kind
        self.bytes = bytes
        self.id = id ?? SHA256.hash(bytes)
    }

    static func chunk(_ text: String) -> HandMadeObject { HandMadeObject(.chunk, Array(text.utf8)) }

    static func tree(_ entries: [TreeEntry]) -> HandMadeObject { HandMadeObject(.tree, TreeNode(.leaf(entries)).encoded()) }

    static func commit(repo: String = "raw", tree: ObjectID, parents: [ObjectID] = [], message: String = "hand-made") -> HandMadeObject {
        HandMadeObject(.commit, Commit(repo: repo, tree: tree, parents: parents, time: 1_700_000_000_000_000_000,
                                       author: "Tests <tests@example.com>", message: message, commitSet: nil).encoded())
    }
}

/// A directory remote a test writes object by object: packs made by the store's own writer
/// from hand-made objects (well-formed or not), pack files and `index.json` rewritten at will.
/// Hostile-remote tests start from `wellFormed` and break one thing.
struct HandMadeRemote {
    let root: String
    /// Where staging stores are built (one per pack).
    let scratch: String

    init(root: String, scratch: String) throws {
        self.root = root
        self.scratch = scratch
        try FileSystem.createDirectories("\(root)/packs")
        try FileSystem.createDirectories(scratch)
    }

    /// Writes one pack holding `objects` (raw records, in this order) and its index under
    /// `packs/`, as a push would.
    /// - Returns: the record `index.json` lists for it.
    func addPack(_ objects: [HandMadeObject]) throws -> RemotePackRecord {
        let layout = StoreLayout(root: "\(scratch)/pack-\(UUID().uuidString)")
        try layout.create()
        let store = try ObjectStore(layout: layout)
        let writer = ObjectWriter(store: store, settings: WriteSettings(codec: .raw, durable: false))
        for object in objects {
            try object.bytes.withUnsafeBytes { _ = try writer.put(object.id, kind: object.kind, bytes: $0, compress: false) }
        }
        _ = try writer.finish()
        let index = try #require(store.packIndexes.first)
        try #require(store.packIndexes.count == 1)
        try FileSystem.writeAtomically(packPath(index.name), try FileSystem.readFile(index.packPath), durable: false)
        try FileSystem.writeAtomically(indexPath(index.name), try FileSystem.readFile(index.indexPath), durable: false)
        return RemotePackRecord(name: index.name, packSize: index.packSize,
                                indexSize: UInt64(try FileSystem.linkStatus(index.indexPath).size), objects: index.count)
    }

    /// Rewrites the index of a pack written here with `change` applied to its entries; the
    /// pack is renamed after the new index's checksum, as a well-formed pack is.
    /// - Returns: the record for the renamed pack.
    func reindex(_ record: RemotePackRecord, _ change: (inout [PackEntry]) -> Void) throws -> RemotePackRecord {
        let index = try PackIndex(directory: "\(root)/packs", name: record.name)
        var entries = try (0..<index.count).map { try #require(index.entry(at: $0)) }
        change(&entries)
        let bytes = PackIndex.encode(entries, packSize: record.packSize)
        let name = "pack-" + HexCoding.encode(bytes.suffix(PackFormat.indexTrailerSize))
        try FileSystem.rename(packPath(record.name), to: packPath(name))
        try FileSystem.remove(indexPath(record.name))
        try FileSystem.writeAtomically(indexPath(name), bytes, durable: false)
        return RemotePackRecord(name: name, packSize: record.packSize, indexSize: UInt64(bytes.count), objects: entries.count)
    }

    func packPath(_ name: String) -> String { "\(root)/packs/\(name).pack" }
    func indexPath(_ name: String) -> String { "\(root)/packs/\(name).idx" }

    func write(_ index: RemoteIndex) throws { try writeIndex(text: String(decoding: try index.encoded(), as: UTF8.self)) }

    /// `index.json` exactly as given (for values `RemoteIndex` cannot hold).
    func writeIndex(text: String) throws {
        try FileSystem.writeAtomically("\(root)/\(RemoteIndex.key)", Array(text.utf8), durable: false)
    }

    func indexText() throws -> String { try FileSystem.readText("\(root)/\(RemoteIndex.key)") }

    /// The objects of the well-formed remote: a commit of repo `raw` whose tree holds `a.csv`
    /// and `b.txt`, commit first.
    static let wellFormedObjects: [HandMadeObject] = {
        let a = HandMadeObject.chunk("1,2\n")
        let b = HandMadeObject.chunk("hello\n")
        let tree = HandMadeObject.tree([TreeEntry(name: "a.csv", kind: .file, size: 4, id: a.id),
                                        TreeEntry(name: "b.txt", kind: .file, size: 6, id: b.id)])
        return [HandMadeObject.commit(tree: tree.id), tree, a, b]
    }()

    /// A remote a clone accepts: repo `raw` mounted at `data/raw`, branch `main` → the
    /// well-formed objects, all in one pack.
    static func wellFormed(root: String, scratch: String) throws -> (remote: HandMadeRemote, index: RemoteIndex, commit: ObjectID) {
        let remote = try HandMadeRemote(root: root, scratch: scratch)
        let commit = wellFormedObjects[0].id
        var index = RemoteIndex()
        index.generation = 1
        index.register([try remote.addPack(wellFormedObjects)])
        index.repos["raw"] = RemoteRepoRecord(mount: "data/raw", defaultBranch: "main", branches: ["main": commit.hex])
        try remote.write(index)
        return (remote, index, commit)
    }
}
