import DverCore
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Well-formed objects that describe something hostile — symlinks leading out of the repo,
/// shared-node bombs, zstd streams that expand far past their declared size — delivered by a
/// remote and run through clone and pull: refused by name, nothing outside the project changes.
@Suite("hostile remotes: symlinks, node bombs, zstd bombs")
struct HostileTreeRemoteTests {
    static let file = HandMadeObject.chunk("1,2\n")

    /// Clone and pull must fail with an error whose text contains `expected`; nothing outside the
    /// project's store changes and no clone is left.
    static func expectCheckoutRefused(_ scene: HostileScene, _ expected: String,
                                      sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try scene.outside()
        let operations: [(String, () throws -> Void)] = [
            ("clone", { _ = try scene.sandbox.clone() }),
            ("pull", { _ = try scene.target.pull(try scene.target.remote("origin")) }),
        ]
        for (name, operation) in operations {
            do {
                try operation()
                Issue.record("\(name) accepted the remote", sourceLocation: sourceLocation)
            } catch {
                #expect("\(error)".contains(expected), "\(name): \(error)", sourceLocation: sourceLocation)
            }
        }
        #expect(!FileSystem.exists(scene.sandbox.path("clone")), sourceLocation: sourceLocation)
        let changes = try scene.outside().changes(since: before).filter { !$0.contains("target/data") }
        #expect(changes.isEmpty, "changed outside the store:\n\(changes.joined(separator: "\n"))", sourceLocation: sourceLocation)
        #expect(!FileSystem.exists(scene.sandbox.path("sentinel/pwn")), sourceLocation: sourceLocation)
    }

    @Test("a symlink out of the repo, before or after a directory of the same tree, relative or absolute, is refused",
          arguments: ["../../../sentinel", "SENTINEL"], ["a-link", "z-link"])
    func escapingSymlink(target: String, name: String) throws {
        let scene = try HostileScene()
        let text = target == "SENTINEL" ? scene.sandbox.path("sentinel") : target
        let link = HandMadeObject.chunk(text)
        let inner = HandMadeObject.tree([TreeEntry(name: "pwn", kind: .file, size: 4, id: Self.file.id)])
        let tree = HandMadeObject.tree([TreeEntry(name: name, kind: .symlink, size: UInt64(text.utf8.count), id: link.id),
                                        TreeEntry(name: "m-dir", kind: .directory, size: 4, id: inner.id)]
            .sorted { $0.name.precedesInByteOrder($1.name) })
        let commit = HandMadeObject.commit(tree: tree.id)
        try scene.publish([[commit, tree, inner, link, Self.file]], head: commit.id)
        try Self.expectCheckoutRefused(scene, "points outside the workspace")
    }

    @Test("a node bomb of 16^10 files is refused at once, not expanded")
    func nodeBomb() throws {
        let scene = try HostileScene()
        var objects = [Self.file]
        var level = HandMadeObject.tree([TreeEntry(name: "f", kind: .file, size: 4, id: Self.file.id)])
        var size: UInt64 = 4
        objects.append(level)
        for _ in 0..<10 {
            let entries = (0..<16).map { TreeEntry(name: String(format: "d%02d", $0), kind: .directory, size: size, id: level.id) }
            size *= 16
            level = .tree(entries)
            objects.append(level)
        }
        let commit = HandMadeObject.commit(tree: level.id)
        try scene.publish([[commit] + objects], head: commit.id)
        let started = Date()
        try Self.expectCheckoutRefused(scene, "is refused")
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test("a zstd record that expands far past its declared size is refused without allocating it")
    func zstdBomb() throws {
        let scene = try HostileScene()
        // 64 MiB of zeros compress to a few kB; the record declares the largest chunk (256 KiB).
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        let compressor = Compressor(codec: .zstd)
        let stream = try #require(zeros.withUnsafeBytes { compressor.compress($0) }?.1).map { $0 }
        let bomb = SHA256.hash(Array("bomb".utf8))
        let declared = UInt32(PackFormat.maximumChunkSize)
        var pack = PackFormat.packMagic + bigEndian(PackFormat.version) + bigEndian(UInt32(0))
        let offset = UInt64(pack.count + PackFormat.recordHeaderSize)
        pack += bomb.bytes + [ObjectKind.chunk.rawValue, Codec.zstd.rawValue] + bigEndian(declared) + bigEndian(UInt32(stream.count))
        pack += stream
        pack += PackFormat.packTrailerMagic + bigEndian(UInt64(1))
        let entry = PackEntry(id: bomb, offset: offset, storedLength: UInt32(stream.count), rawLength: declared, kind: .chunk, codec: .zstd)
        let index = PackIndex.encode([entry], packSize: UInt64(pack.count))
        let name = "pack-" + HexCoding.encode(index.suffix(PackFormat.indexTrailerSize))
        try FileSystem.writeAtomically(scene.remote.packPath(name), pack, durable: false)
        try FileSystem.writeAtomically(scene.remote.indexPath(name), index, durable: false)
        let bombRecord = RemotePackRecord(name: name, packSize: UInt64(pack.count), indexSize: UInt64(index.count), objects: 1)

        let tree = HandMadeObject.tree([TreeEntry(name: "bomb.bin", kind: .file, size: UInt64(declared), id: bomb)])
        let commit = HandMadeObject.commit(tree: tree.id)
        let records = try scene.publish([[commit, tree]], head: commit.id)
        try FileSystem.writeAtomically(scene.remote.packPath(name), pack, durable: false)
        try FileSystem.writeAtomically(scene.remote.indexPath(name), index, durable: false)
        try scene.list(records + [bombRecord], head: commit.id)
        try scene.expectRefused(bomb.hex)
        #expect(!scene.target.project.store.contains(bomb))
    }

    private func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
}
