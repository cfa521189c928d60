import DverCore
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// How a test lays its objects out in packs, so both download paths are exercised: each object
/// alone in a pack (downloaded whole, verified and taken over as a local pack), or all in one
/// pack padded with a large unreferenced chunk (read with ranged GETs, record by record).
enum ObjectLayout: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case packEach = "one pack each (packs adopted whole)"
    case onePackRanged = "one padded pack (ranged reads)"

    var testDescription: String { rawValue }

    func packs(_ objects: [HandMadeObject]) -> [[HandMadeObject]] {
        switch self {
        case .packEach: objects.map { [$0] }
        case .onePackRanged: [objects + (0..<4).map { HandMadeObject(.chunk, seeded(77 + UInt64($0), 256 << 10)) }]
        }
    }
}

/// Objects crafted one by one on a remote: they hash to their ids but do not decode, are not
/// the kind that names them, hide in a pack past its index, or are placed outside their pack
/// by the index. None may be stored; clone, fetch and pull refuse them by name. (Trees with
/// symlinks and decompression bombs belong to the store's own checks; add such cases here
/// with `HostileScene.publish`.)
@Suite("hostile remotes: crafted objects")
struct HostileObjectTests {
    static let a = HandMadeObject.chunk("1,2\n")

    static func tree(_ entries: [TreeEntry] = [TreeEntry(name: "a.csv", kind: .file, size: 4, id: a.id)]) -> HandMadeObject {
        .tree(entries)
    }

    @Test("a commit that hashes right but does not decode is refused and not stored", arguments: ObjectLayout.allCases)
    func malformedCommit(_ layout: ObjectLayout) throws {
        let scene = try HostileScene()
        let commit = HandMadeObject(.commit, Array("DVCM\u{1}this is not a commit".utf8))
        try scene.publish(layout.packs([commit, Self.tree(), Self.a]), head: commit.id)
        try scene.expectRefused("not a valid commit")
        #expect(!scene.target.project.store.contains(commit.id))
    }

    @Test("a tree that hashes right but does not decode is refused and not stored", arguments: ObjectLayout.allCases)
    func malformedTree(_ layout: ObjectLayout) throws {
        let scene = try HostileScene()
        let tree = HandMadeObject(.tree, Array("DVTR\u{1}\u{0}\u{9}truncated".utf8))
        let commit = HandMadeObject.commit(tree: tree.id)
        try scene.publish(layout.packs([commit, tree, Self.a]), head: commit.id)
        try scene.expectRefused("not a valid tree")
        #expect(!scene.target.project.store.contains(tree.id))
    }

    @Test("a chunk list that hashes right but does not decode is refused and not stored", arguments: ObjectLayout.allCases)
    func malformedChunkList(_ layout: ObjectLayout) throws {
        let scene = try HostileScene()
        let list = HandMadeObject(.chunkList, Array("DVCL\u{1}\u{0}\u{ff}".utf8))
        let tree = Self.tree([TreeEntry(name: "big.bin", kind: .file, chunked: true, size: 4, id: list.id)])
        let commit = HandMadeObject.commit(tree: tree.id)
        try scene.publish(layout.packs([commit, tree, list, Self.a]), head: commit.id)
        try scene.expectRefused("not a valid chunklist")
        #expect(!scene.target.project.store.contains(list.id))
    }

    @Test("a branch head that is a tree, not a commit, is refused", arguments: ObjectLayout.allCases)
    func headOfWrongKind(_ layout: ObjectLayout) throws {
        let scene = try HostileScene()
        let tree = Self.tree()
        try scene.publish(layout.packs([tree, Self.a]), head: tree.id)
        try scene.expectRefused("is a tree where a commit is expected")
    }

    @Test("a record hidden in a pack past its index stops the pack from being taken over")
    func recordNotInIndex() throws {
        let scene = try HostileScene()
        let tree = Self.tree()
        let commit = HandMadeObject.commit(tree: tree.id)
        let hidden = HandMadeObject(.commit, Array("not even hashed right".utf8), id: SHA256.hash(Array("other".utf8)))
        // The commit's pack is wanted whole, so it is downloaded and would be taken over as it is.
        var packs = try scene.publish([[commit, hidden], [tree], [Self.a]], head: commit.id)
        packs[0] = try scene.remote.reindex(packs[0]) { entries in entries.removeAll { $0.id == hidden.id } }
        try scene.list(packs, head: commit.id)
        try scene.expectRefused("is not in the pack index there")
        #expect(!scene.target.project.store.contains(hidden.id))
    }

    static let outsideOffsets: [UInt64] = [0, 10, UInt64(PackFormat.packHeaderSize), 1 << 40, 1 << 63, UInt64.max - 2]

    @Test("an index entry placing an object outside its pack is refused, not trusted", arguments: outsideOffsets)
    func entryOutsidePack(_ offset: UInt64) throws {
        let scene = try HostileScene()
        let tree = Self.tree()
        let commit = HandMadeObject.commit(tree: tree.id)
        var packs = try scene.publish([[commit], [tree], [Self.a, HandMadeObject.chunk("padding")]], head: commit.id)
        packs[2] = try scene.remote.reindex(packs[2]) { entries in
            for position in entries.indices where entries[position].id == Self.a.id { entries[position].offset = offset }
        }
        try scene.list(packs, head: commit.id)
        try scene.expectRefused(Self.a.id.hex)
        #expect(!scene.target.project.store.contains(Self.a.id))
    }
}
