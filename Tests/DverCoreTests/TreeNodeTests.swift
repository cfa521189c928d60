import DverCore
import Testing

@Suite("Tree node")
struct TreeNodeTests {
    static func leaf(_ names: [String], kind: EntryKind = .file) -> TreeNode {
        TreeNode(.leaf(names.map { TreeEntry(name: $0, kind: kind, size: 1, id: .of($0)) }))
    }

    static let nodes: [TreeNode] = [
        FormatExample.leafTree, FormatExample.subdirectory, FormatExample.interiorTree,
        TreeNode(.leaf([])),
        leaf(["A", "B", "a", "b", "é", "日本"]),
        TreeNode(.interior(level: 3, (0..<100).map { .init(firstName: "n\(100 + $0)", id: .of("\($0)")) })),
    ]

    @Test("encode then decode gives the node back", arguments: nodes)
    func roundTrip(_ node: TreeNode) throws {
        #expect(try TreeNode.decode(node.encoded()) == node)
    }

    @Test("the level is 0 for leaves")
    func level() {
        #expect(FormatExample.leafTree.level == 0)
        #expect(FormatExample.interiorTree.level == 1)
    }

    @Test("every truncation is rejected", arguments: [FormatExample.leafTree, FormatExample.interiorTree])
    func truncated(_ node: TreeNode) {
        let bytes = node.encoded()
        for count in 0..<bytes.count {
            #expect(decodingError { () throws(CoreError) in try TreeNode.decode(Array(bytes.prefix(count))) } != nil)
        }
    }

    @Test("unsorted or duplicate names are rejected", arguments: [["b", "a"], ["a", "a"], ["a", "B"], ["é", "z"]])
    func unsorted(_ names: [String]) {
        let leafBytes = Self.leaf(names).encoded()
        let interiorBytes = TreeNode(.interior(level: 1, names.map { .init(firstName: $0, id: .zero) })).encoded()
        for bytes in [leafBytes, interiorBytes] {
            #expect(decodingError { () throws(CoreError) in try TreeNode.decode(bytes) }?.isMalformed == true)
        }
    }

    @Test("names that could escape the directory are rejected", arguments: ["", ".", "..", "a/b", "/", "a\0b"])
    func invalidNames(_ name: String) {
        let bytes = Self.leaf([name]).encoded()
        #expect(decodingError { () throws(CoreError) in try TreeNode.decode(bytes) }?.isInvalidPath == true)
    }

    @Test("trailing bytes, bad magic, version 0 are malformed")
    func malformed() {
        let bytes = FormatExample.leafTree.encoded()
        var badMagic = bytes
        badMagic[3] = UInt8(ascii: "X")
        var versionZero = bytes
        versionZero[4] = 0
        for candidate in [bytes + [0], badMagic, versionZero] {
            #expect(decodingError { () throws(CoreError) in try TreeNode.decode(candidate) }?.isMalformed == true)
        }
    }

    @Test("a newer version is unsupported")
    func newerVersion() {
        var bytes = FormatExample.interiorTree.encoded()
        bytes[4] = 9
        #expect(decodingError { () throws(CoreError) in try TreeNode.decode(bytes) }
                == .unsupportedVersion(what: "tree node", version: 9, supported: 1))
    }

    @Test("unknown kinds and layouts other than 0, or 1 for files, are rejected",
          arguments: [(kind: 0, layout: 0), (kind: 5, layout: 0), (kind: 1, layout: 2),
                      (kind: 3, layout: 1), (kind: 4, layout: 1)] as [(kind: UInt8, layout: UInt8)])
    func kindAndLayout(kind: UInt8, layout: UInt8) throws {
        // Leaf "x": magic(4) version(1) level(1) count(1) name(2), then kind and layout.
        var bytes = Self.leaf(["x"]).encoded()
        #expect(bytes[9] == EntryKind.file.rawValue && bytes[10] == 0)
        bytes[9] = kind
        bytes[10] = layout
        #expect(decodingError { () throws(CoreError) in try TreeNode.decode(bytes) }?.isMalformed == true)
    }

    @Test("chunked files and executables keep their flags")
    func flags() throws {
        let node = TreeNode(.leaf([TreeEntry(name: "x", kind: .executable, chunked: true, size: 1 << 40, id: .zero)]))
        let decoded = try TreeNode.decode(node.encoded())
        guard case .leaf(let entries) = decoded.content else { Issue.record("not a leaf"); return }
        #expect(entries.first?.chunked == true)
        #expect(entries.first?.kind == .executable)
    }

    @Test("an interior node with no children is rejected")
    func emptyInterior() {
        let bytes = TreeNode(.interior(level: 1, [])).encoded()
        #expect(decodingError { () throws(CoreError) in try TreeNode.decode(bytes) }?.isMalformed == true)
    }
}
