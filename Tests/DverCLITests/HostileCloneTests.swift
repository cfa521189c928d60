import DverCore
import DverStore
import Foundation
import Testing

/// `dver clone` of hostile directory remotes, run as a user would, under a 1 GiB address-space
/// limit (`prlimit --as`): a node bomb and a chunk-list bomb must end in a named error and a
/// clean exit status, never a crash or an allocation failure, and nothing outside the clone's
/// directory may change.
@Suite("hostile clones under a memory limit", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"),
                                                      "prlimit (util-linux) is not installed"))
struct HostileCloneTests {
    static let memoryLimit = ["/usr/bin/prlimit", "--as=\(1 << 30)", "--"]

    /// Writes a directory remote holding `objects` in one raw pack, with repo `raw` (at
    /// `data/raw`) whose `main` is `head`.
    static func writeRemote(_ root: String, objects: [(ObjectKind, [UInt8])], head: ObjectID) throws {
        func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian, Array.init) }
        var pack = PackFormat.packMagic + bigEndian(PackFormat.version) + bigEndian(UInt32(0))
        var entries = [PackEntry]()
        for (kind, bytes) in objects {
            let id = SHA256.hash(bytes)
            pack += id.bytes + [kind.rawValue, Codec.raw.rawValue] + bigEndian(UInt32(bytes.count)) + bigEndian(UInt32(bytes.count))
            entries.append(PackEntry(id: id, offset: UInt64(pack.count), storedLength: UInt32(bytes.count),
                                     rawLength: UInt32(bytes.count), kind: kind, codec: .raw))
            pack += bytes
        }
        pack += PackFormat.packTrailerMagic + bigEndian(UInt64(objects.count))
        let index = PackIndex.encode(entries, packSize: UInt64(pack.count))
        let name = "pack-" + HexCoding.encode(index.suffix(PackFormat.indexTrailerSize))
        try FileManager.default.createDirectory(atPath: "\(root)/packs", withIntermediateDirectories: true)
        try Data(pack).write(to: URL(fileURLWithPath: "\(root)/packs/\(name).pack"))
        try Data(index).write(to: URL(fileURLWithPath: "\(root)/packs/\(name).idx"))
        let json = """
        {"format": 1, "generation": 1,
         "packs": [{"name": "\(name)", "pack_size": \(pack.count), "index_size": \(index.count), "objects": \(objects.count)}],
         "repos": {"raw": {"mount": "data/raw", "default_branch": "main", "branches": {"main": "\(head.hex)"}}}}
        """
        try Data(json.utf8).write(to: URL(fileURLWithPath: "\(root)/index.json"))
    }

    static func commit(_ tree: ObjectID) -> [UInt8] {
        Commit(repo: "raw", tree: tree, parents: [], time: 1_700_000_000_000_000_000, author: "x", message: "x", commitSet: nil).encoded()
    }

    @Test("a node bomb of 2^48 files: exit 3 with a named error, no crash, under 1 GiB")
    func nodeBomb() throws {
        let project = try TestProject(initialize: false)
        let file = Array("boom\n".utf8)
        var objects: [(ObjectKind, [UInt8])] = [(.chunk, file)]
        var node = TreeNode(.leaf([TreeEntry(name: "f", kind: .file, size: UInt64(file.count), id: SHA256.hash(file))])).encoded()
        var size = UInt64(file.count)
        objects.append((.tree, node))
        for _ in 0..<12 {
            let child = SHA256.hash(node)
            node = TreeNode(.leaf((0..<16).map { TreeEntry(name: String(format: "d%02d", $0), kind: .directory, size: size, id: child) })).encoded()
            size *= 16
            objects.append((.tree, node))
        }
        let head = Self.commit(SHA256.hash(node))
        objects.append((.commit, head))
        let remote = project.outside + "/remote"
        try Self.writeRemote(remote, objects: objects, head: SHA256.hash(head))
        let result = project.run(["clone", remote, project.outside + "/clone"], expect: 3, timeout: 60, wrapper: Self.memoryLimit)
        #expect(result.stderr.contains("is refused"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: project.outside + "/clone"))
    }

    @Test("a chunk list whose shared nodes claim 2^40 chunks: a named error, no crash, under 1 GiB")
    func chunkListBomb() throws {
        let project = try TestProject(initialize: false)
        let chunk = Array("x".utf8)
        var objects: [(ObjectKind, [UInt8])] = [(.chunk, chunk)]
        var node = ChunkListNode(level: 0, entries: Array(repeating: .init(id: SHA256.hash(chunk), length: 1), count: 1024))
        for level in 1...3 {
            let bytes = node.encoded()
            objects.append((.chunkList, bytes))
            node = ChunkListNode(level: level, entries: Array(repeating: .init(id: SHA256.hash(bytes), length: node.totalLength), count: 1024))
        }
        objects.append((.chunkList, node.encoded()))
        let tree = TreeNode(.leaf([TreeEntry(name: "big.bin", kind: .file, chunked: true, size: node.totalLength,
                                             id: SHA256.hash(node.encoded()))])).encoded()
        objects.append((.tree, tree))
        let head = Self.commit(SHA256.hash(tree))
        objects.append((.commit, head))
        let remote = project.outside + "/remote"
        try Self.writeRemote(remote, objects: objects, head: SHA256.hash(head))
        let result = project.run(["clone", remote, project.outside + "/clone"], expect: 3, timeout: 60, wrapper: Self.memoryLimit)
        #expect(result.stderr.contains("chunks"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: project.outside + "/clone"))
    }
}
