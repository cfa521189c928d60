import DverCore
import Testing

@Suite("Commit")
struct CommitTests {
    static let commits: [Commit] = [
        FormatExample.mergeCommit, FormatExample.rootCommit,
        Commit(repo: "r", tree: .zero, parents: (0..<20).map { .of("\($0)") }, time: -1,
               timeZoneOffsetMinutes: Int16.min, author: "", message: String(repeating: "long ", count: 10_000),
               commitSet: .random(), gitHead: "", provenance: ["": "", "a": "é", "b": String(repeating: "x", count: 300)]),
    ]

    @Test("encode then decode gives the commit back", arguments: commits)
    func roundTrip(_ commit: Commit) throws {
        #expect(try Commit.decode(commit.encoded()) == commit)
    }

    @Test("provenance is written in byte order whatever the dictionary order")
    func provenanceOrder() {
        var commit = FormatExample.rootCommit
        commit.provenance = ["b": "2", "a": "1", "B": "0"]
        let encoded = commit.encoded()
        let tail = Array(encoded.suffix(13))
        #expect(tail == [3, 1, 0x42, 1, 0x30, 1, 0x61, 1, 0x31, 1, 0x62, 1, 0x32])
    }

    @Test("every truncation is rejected")
    func truncated() {
        let bytes = FormatExample.mergeCommit.encoded()
        for count in 0..<bytes.count {
            #expect(decodingError { () throws(CoreError) in try Commit.decode(Array(bytes.prefix(count))) } != nil)
        }
    }

    @Test("unsorted or duplicate provenance keys are rejected")
    func unsortedProvenance() throws {
        var commit = FormatExample.rootCommit
        commit.provenance = ["a": "1", "b": "2"]
        let bytes = commit.encoded()
        let pairA: [UInt8] = [1, 0x61, 1, 0x31], pairB: [UInt8] = [1, 0x62, 1, 0x32]
        let swapped = try #require(replacingFirst(pairA + pairB, with: pairB + pairA, in: bytes))
        let duplicated = try #require(replacingFirst(pairA + pairB, with: pairA + pairA, in: bytes))
        for candidate in [swapped, duplicated] {
            #expect(decodingError { () throws(CoreError) in try Commit.decode(candidate) }?.isMalformed == true)
        }
    }

    @Test("commit set ids other than 0 or 16 bytes are rejected")
    func commitSetLength() throws {
        let bytes = FormatExample.rootCommit.encoded()
        // The commit set field of a commit without one is the single byte 0, followed by git HEAD "" (0).
        let eight = try #require(replacingFirst([0x04, 0x69, 0x6E, 0x69, 0x74, 0, 0],
                                                with: [0x04, 0x69, 0x6E, 0x69, 0x74, 8] + [UInt8](repeating: 7, count: 8) + [0],
                                                in: bytes))
        #expect(decodingError { () throws(CoreError) in try Commit.decode(eight) }?.isMalformed == true)
    }

    @Test("trailing bytes, bad magic, newer version")
    func malformed() {
        let bytes = FormatExample.mergeCommit.encoded()
        var badMagic = bytes
        badMagic[2] = 0
        var newer = bytes
        newer[4] = 2
        #expect(decodingError { () throws(CoreError) in try Commit.decode(bytes + [1]) }?.isMalformed == true)
        #expect(decodingError { () throws(CoreError) in try Commit.decode(badMagic) }?.isMalformed == true)
        #expect(decodingError { () throws(CoreError) in try Commit.decode(newer) }
                == .unsupportedVersion(what: "commit", version: 2, supported: 1))
    }

    @Test("commit set ids: hex round trip, random ids differ, only 16 bytes")
    func commitSetID() throws {
        let id = try #require(CommitSetID(hex: "00112233445566778899aabbccddeeff"))
        #expect(id.hex == "00112233445566778899aabbccddeeff")
        #expect(CommitSetID(hex: "0011") == nil)
        #expect(CommitSetID(bytes: [UInt8](repeating: 0, count: 15)) == nil)
        #expect(CommitSetID.random() != CommitSetID.random())
    }
}
