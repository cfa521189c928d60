import DverAccess
import DverCore
import DverTestSupport
import Foundation
import Testing

/// Ranged reads of files: only the chunks a range covers, byte for byte.
@Suite("Access: ranged file reads")
struct FileContentTests {
    static let big = SplitMix64.bytes(seed: 7, count: 6_000_000)

    func read(_ content: FileContent, _ range: Range<UInt64>) throws -> [UInt8] {
        var bytes = [UInt8]()
        try content.read(range) { piece in
            bytes.append(contentsOf: piece)
            return true
        }
        return bytes
    }

    @Test("random ranges, ranges at chunk boundaries and past the end give the file's bytes")
    func ranges() throws {
        let fixture = try AccessFixture(["big.bin": Self.big, "small.txt": "hello\n".bytes, "empty": []])
        let snapshot = try fixture.lookup.snapshot(repo: "raw", revision: "main")
        let entry = try #require(try snapshot.entry(at: "big.bin"))
        #expect(entry.chunked)
        let content = snapshot.content(of: entry)
        #expect(try read(content, 0..<entry.size) == Self.big)
        var generator = SplitMix64(seed: 3)
        for _ in 0..<60 {
            let start = UInt64.random(in: 0..<entry.size, using: &generator)
            let end = min(entry.size + 10, start + UInt64.random(in: 1...700_000, using: &generator))
            #expect(try read(content, start..<end) == Array(Self.big[Int(start)..<Int(min(end, entry.size))]))
        }
        // Chunk boundaries: the offsets where one chunk ends, and a byte either side.
        var boundaries = [UInt64]()
        var offset: UInt64 = 0
        try content.read(0..<entry.size) { piece in
            offset += UInt64(piece.count)
            boundaries.append(offset)
            return true
        }
        #expect(boundaries.count > 4)
        for boundary in boundaries.dropLast() {
            for range in [boundary - 1..<boundary + 1, boundary..<boundary + 1, boundary - 1..<boundary] {
                #expect(try read(content, range) == Array(Self.big[Int(range.lowerBound)..<Int(range.upperBound)]))
            }
        }
        #expect(try read(content, entry.size..<entry.size + 5).isEmpty)
        let small = snapshot.content(of: try #require(try snapshot.entry(at: "small.txt")))
        #expect(try read(small, 1..<3) == "el".bytes)
        #expect(try read(snapshot.content(of: try #require(try snapshot.entry(at: "empty"))), 0..<10).isEmpty)
    }

    @Test("a reader that stops early gets no more pieces")
    func stopsEarly() throws {
        let fixture = try AccessFixture(["big.bin": Self.big])
        let snapshot = try fixture.lookup.snapshot(repo: "raw", revision: "main")
        let content = snapshot.content(of: try #require(try snapshot.entry(at: "big.bin")))
        var pieces = 0
        try content.read(0..<content.size) { _ in
            pieces += 1
            return false
        }
        #expect(pieces == 1)
    }
}
