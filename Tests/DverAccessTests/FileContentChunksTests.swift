import DverAccess
import DverCore
import DverTestSupport
import Foundation
import Testing

/// Which chunks hold which bytes (for read-ahead and fetching a range's chunks together), and
/// listings that refuse to grow past a limit.
@Suite("Access: chunks of a range, bounded listings")
struct FileContentChunksTests {
    static let big = SplitMix64.bytes(seed: 11, count: 5_000_000)

    @Test("chunk(at:) and chunks(overlapping:) tile the file exactly as the reads do")
    func chunksTileTheFile() throws {
        let fixture = try AccessFixture(["big.bin": Self.big, "small.txt": "hello\n".bytes])
        let snapshot = try fixture.lookup.snapshot(repo: "raw", revision: "main")
        let content = snapshot.content(of: try #require(try snapshot.entry(at: "big.bin")))
        let all = try content.chunks(overlapping: 0..<content.size)
        #expect(all.count > 20)
        #expect(all.first?.range.lowerBound == 0 && all.last?.range.upperBound == content.size)
        for (previous, next) in zip(all, all.dropFirst()) { #expect(previous.range.upperBound == next.range.lowerBound) }
        for chunk in all {
            let bytes = try snapshot.source.read(chunk.id, as: .chunk)
            #expect(bytes == Array(Self.big[Int(chunk.range.lowerBound)..<Int(chunk.range.upperBound)]))
            #expect(try content.chunk(at: chunk.range.lowerBound)?.id == chunk.id)
            #expect(try content.chunk(at: chunk.range.upperBound - 1)?.id == chunk.id)
        }
        #expect(try content.chunk(at: content.size) == nil)
        let middle = all[all.count / 2]
        let some = try content.chunks(overlapping: (middle.range.lowerBound + 1)..<(middle.range.upperBound + 1))
        #expect(some.map(\.id) == [middle.id, all[all.count / 2 + 1].id])
        #expect(try content.chunks(overlapping: content.size..<(content.size + 5)).isEmpty)
        // A single-chunk file is its own chunk.
        let small = snapshot.content(of: try #require(try snapshot.entry(at: "small.txt")))
        #expect(try small.chunks(overlapping: 2..<3).map(\.range) == [0..<6])
    }

    @Test("a listing past its limit is refused, not built")
    func boundedListing() throws {
        let files = Dictionary(uniqueKeysWithValues: (0..<40).map { ("f\($0).txt", "\($0)\n".bytes) })
        let fixture = try AccessFixture(files)
        let snapshot = try fixture.lookup.snapshot(repo: "raw", revision: "main")
        #expect(try snapshot.entries(of: snapshot.commit.tree, limit: 40).count == 40)
        #expect(throws: AccessError.self) { try snapshot.entries(of: snapshot.commit.tree, limit: 39) }
    }
}
