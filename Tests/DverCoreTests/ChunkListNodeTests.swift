import DverCore
import Testing

@Suite("Chunk list node")
struct ChunkListNodeTests {
    static let nodes: [ChunkListNode] = [
        FormatExample.chunkList,
        ChunkListNode(level: 0, entries: [.init(id: .of("only"), length: 1)]),
        ChunkListNode(level: 2, entries: (0..<300).map { .init(id: .of("\($0)"), length: UInt64($0) << 20 + 1) }),
        ChunkListNode(level: 32, entries: [.init(id: .zero, length: 1 << 62)]),
    ]

    @Test("levels over 32 and entries covering more than 2^62 bytes are refused",
          arguments: [ChunkListNode(level: 33, entries: [.init(id: .zero, length: 1)]),
                      ChunkListNode(level: 0, entries: [.init(id: .zero, length: (1 << 62) + 1)]),
                      ChunkListNode(level: 1, entries: [.init(id: .zero, length: UInt64.max), .init(id: .zero, length: 2)]),
                      ChunkListNode(level: 1, entries: [.init(id: .zero, length: 1 << 61), .init(id: .zero, length: 1 << 61),
                                                        .init(id: .zero, length: 1)])])
    func outOfRange(_ node: ChunkListNode) {
        #expect(decodingError { () throws(CoreError) in try ChunkListNode.decode(node.encoded()) } != nil)
    }

    @Test("encode then decode gives the node back", arguments: nodes)
    func roundTrip(_ node: ChunkListNode) throws {
        #expect(try ChunkListNode.decode(node.encoded()) == node)
    }

    @Test("total length sums the entries")
    func totalLength() {
        #expect(FormatExample.chunkList.totalLength == 71_234)
    }

    @Test("every truncation is rejected", arguments: nodes.prefix(2))
    func truncated(_ node: ChunkListNode) {
        let bytes = node.encoded()
        for count in 0..<bytes.count {
            #expect(decodingError { () throws(CoreError) in try ChunkListNode.decode(Array(bytes.prefix(count))) } != nil)
        }
    }

    @Test("trailing bytes, bad magic, version 0 are malformed")
    func malformed() {
        let bytes = FormatExample.chunkList.encoded()
        var badMagic = bytes
        badMagic[0] = UInt8(ascii: "X")
        var versionZero = bytes
        versionZero[4] = 0
        for candidate in [bytes + [0], badMagic, versionZero] {
            #expect(decodingError { () throws(CoreError) in try ChunkListNode.decode(candidate) }?.isMalformed == true)
        }
    }

    @Test("a newer version is unsupported, not malformed")
    func newerVersion() {
        var bytes = FormatExample.chunkList.encoded()
        bytes[4] = 2
        #expect(decodingError { () throws(CoreError) in try ChunkListNode.decode(bytes) }
                == .unsupportedVersion(what: "chunk list node", version: 2, supported: 1))
    }

    @Test("empty nodes and zero-length entries are rejected")
    func emptyAndZero() {
        let empty = ChunkListNode(level: 0, entries: []).encoded()
        let zero = ChunkListNode(level: 0, entries: [.init(id: .zero, length: 0)]).encoded()
        for candidate in [empty, zero] {
            #expect(decodingError { () throws(CoreError) in try ChunkListNode.decode(candidate) }?.isMalformed == true)
        }
    }
}

