import DverCore

/// The objects behind the `example=NAME` blocks of docs/FORMAT.md. Each is built from values
/// a reader can recompute (made-up ids are 32 repeated bytes; real ones are SHA-256 of the
/// content named beside them), so the document's hex can be checked byte for byte.
enum FormatExample: Sendable {
    case chunkList(ChunkListNode)
    case tree(TreeNode)
    case commit(Commit)

    var encoded: [UInt8] {
        switch self {
        case .chunkList(let node): node.encoded()
        case .tree(let node): node.encoded()
        case .commit(let commit): commit.encoded()
        }
    }

    /// Decodes `bytes` with the matching decoder and compares with the constructed object.
    func decodes(_ bytes: [UInt8]) throws(CoreError) -> Bool {
        switch self {
        case .chunkList(let node): try ChunkListNode.decode(bytes) == node
        case .tree(let node): try TreeNode.decode(bytes) == node
        case .commit(let commit): try Commit.decode(bytes) == commit
        }
    }

    /// A two-chunk file: 70,000 + 1,234 bytes.
    static let chunkList = ChunkListNode(level: 0, entries: [
        .init(id: .repeating(0xAA), length: 70_000),
        .init(id: .repeating(0xBB), length: 1_234),
    ])

    /// The directory `sub/` holding `x.txt` = "x\n".
    static let subdirectory = TreeNode(.leaf([
        TreeEntry(name: "x.txt", kind: .file, size: 2, id: .of("x\n")),
    ]))

    /// A directory with a one-chunk file, a chunked file, a symlink, an executable and a directory.
    static let leafTree = TreeNode(.leaf([
        TreeEntry(name: "a.csv", kind: .file, size: 4, id: .of("1,2\n")),
        TreeEntry(name: "big.bin", kind: .file, chunked: true, size: 71_234, id: SHA256.hash(chunkList.encoded())),
        TreeEntry(name: "latest", kind: .symlink, size: 5, id: .of("a.csv")),
        TreeEntry(name: "run.sh", kind: .executable, size: 10, id: .of("#!/bin/sh\n")),
        TreeEntry(name: "sub", kind: .directory, size: 2, id: SHA256.hash(subdirectory.encoded())),
    ]))

    /// A level-1 node over two leaf nodes whose first names are "a.csv" and "m".
    static let interiorTree = TreeNode(.interior(level: 1, [
        .init(firstName: "a.csv", id: .repeating(0x01)),
        .init(firstName: "m", id: .repeating(0x02)),
    ]))

    /// A merge commit made by one `dver commit` (commit set) inside a git checkout, with provenance.
    static let mergeCommit = Commit(
        repo: "clean", tree: SHA256.hash(leafTree.encoded()),
        parents: [.repeating(0x33), .repeating(0x44)],
        time: 1_704_164_645_000_000_000, timeZoneOffsetMinutes: 60,
        author: "Ada <ada@example.com>", message: "merge\n",
        commitSet: CommitSetID(hex: "00112233445566778899aabbccddeeff"),
        gitHead: "3b18e512dba79e4c8300dd08aeb37f8e728b8dad",
        provenance: ["job": "7", "input.raw": "c0ffee"])

    /// A root commit: no parents, no commit set, no git HEAD, no provenance, negative time zone.
    static let rootCommit = Commit(
        repo: "raw", tree: .repeating(0x66), parents: [],
        time: 1_000_000_000, timeZoneOffsetMinutes: -300,
        author: "b", message: "init", commitSet: nil)

    static let all: [String: FormatExample] = [
        "chunklist-1": .chunkList(chunkList),
        "tree-leaf-sub": .tree(subdirectory),
        "tree-leaf-1": .tree(leafTree),
        "tree-interior-1": .tree(interiorTree),
        "commit-1": .commit(mergeCommit),
        "commit-2": .commit(rootCommit),
    ]
}
