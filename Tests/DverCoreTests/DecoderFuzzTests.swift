import DverCore
import DverTestSupport
import Testing

/// Seeded mutations of valid objects fed to every object decoder: no input may trap, and
/// whatever a decoder accepts must encode back to exactly the bytes it was given (encodings
/// are canonical, so an id names one byte string). `DVER_FUZZ_ITERATIONS` runs more cases.
@Suite("fuzz: object decoders")
struct DecoderFuzzTests {
    static let samples: [[UInt8]] = FormatExample.all.values.map(\.encoded) + [
        ChunkListNode(level: 1, entries: (0..<40).map { .init(id: .of("\($0)"), length: UInt64($0) * 70_000 + 1) }).encoded(),
        TreeNode(.leaf((0..<30).map { TreeEntry(name: "f\($0)", kind: $0 % 4 == 0 ? .directory : .file, size: UInt64($0), id: .of("\($0)")) })).encoded(),
        Commit(repo: "raw", tree: .of("t"), parents: [.of("p")], time: -1, author: "a", message: "m",
               commitSet: CommitSetID(bytes: Array(0..<16)), gitHead: "abc", provenance: ["input:raw": "raw@none", "job": "j"]).encoded(),
    ]

    @Test("mutated trees, chunk lists and commits never trap; what decodes re-encodes to the same bytes", arguments: 0..<4)
    func decoders(seed: UInt64) {
        var mutator = Mutator(seed: 0xF022 + seed, samples: Self.samples)
        for _ in 0..<Mutator.iterations(2_500) {
            let bytes = mutator.next()
            if let node = try? TreeNode.decode(bytes) { #expect(node.encoded() == bytes) }
            if let node = try? ChunkListNode.decode(bytes) { #expect(node.encoded() == bytes) }
            if let commit = try? Commit.decode(bytes) { #expect(commit.encoded() == bytes) }
        }
    }
}
