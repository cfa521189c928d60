import DverTestSupport
import DverChunking
import DverCore
import Testing

@Suite("FastCDC")
struct FastCDCTests {
    static let standard = ChunkerParameters.standard

    @Test("gear table matches the reference derivation")
    func gearTable() throws {
        let vectors = try FastCDCVectors.load()
        #expect(vectors.gearSample.count == 4)
        for (byte, hex) in vectors.gearSample {
            let index = try #require(Int(byte))
            #expect(String(GearTable.values[index], radix: 16).leftPadded(to: 16) == hex)
        }
    }

    @Test("standard masks are 18 and 14 one-bits ending at bit 62")
    func masks() {
        #expect(Self.standard.smallMask == 0x7FFF_E000_0000_0000)
        #expect(Self.standard.largeMask == 0x7FFE_0000_0000_0000)
    }

    @Test("agrees with the Python reference", arguments: try FastCDCVectors.load().cases)
    func knownAnswers(_ vector: FastCDCVectors.Case) {
        let input = vector.input.bytes()
        #expect(SHA256.hash(input).hex == vector.inputSHA256, "input generator disagrees")
        let chunker = FastCDC(parameters: vector.parameters.chunkerParameters)
        let lengths = chunker.chunkLengths(input)
        #expect(lengths == vector.chunkLengths)
        var offset = 0
        var hashes = [String]()
        for length in lengths {
            hashes.append(SHA256.hash(Array(input[offset..<offset + length])).hex)
            offset += length
        }
        #expect(hashes == vector.chunkSHA256)
    }

    @Test("chunks lie within min...max except the last", arguments: [1, 2, 3, 1234, 0xDEAD_BEEF] as [UInt64])
    func sizeBounds(seed: UInt64) {
        let input = SplitMix64.bytes(seed: seed, count: 3 << 20 + Int(seed % 65_537))
        let lengths = FastCDC().chunkLengths(input)
        #expect(lengths.reduce(0, +) == input.count)
        for length in lengths.dropLast() {
            #expect((Self.standard.minimumSize...Self.standard.maximumSize).contains(length))
        }
        #expect((1...Self.standard.maximumSize).contains(lengths.last ?? 0))
    }

    @Test("a window of exactly max bytes cuts where the whole buffer does", arguments: [5, 6] as [UInt64])
    func streamingWindow(seed: UInt64) {
        let input = SplitMix64.bytes(seed: seed, count: 2 << 20)
        let chunker = FastCDC()
        let whole = chunker.chunkLengths(input)
        var offset = 0
        for expected in whole.dropLast() {
            let window = Array(input[offset..<min(input.count, offset + Self.standard.maximumSize)])
            // A window shorter than max holds the input's last bytes.
            let isLast = window.count < Self.standard.maximumSize
            let lengths = window.withUnsafeBufferPointer { chunker.chunkLengths($0.baseAddress!, count: $0.count, isLast: isLast) }
            #expect(lengths.first == expected)
            #expect(isLast || lengths.count == 1)
            offset += expected
        }
    }

    @Test("an edit near the start changes only the first chunks",
          arguments: [(seed: 21, offset: 0, inserted: 1), (seed: 22, offset: 100, inserted: 7),
                      (seed: 23, offset: 5_000, inserted: 4_096), (seed: 24, offset: 40_000, inserted: -13)])
    func editLocality(seed: UInt64, offset: Int, inserted: Int) {
        let original = SplitMix64.bytes(seed: seed, count: 8 << 20)
        var edited = original
        if inserted > 0 {
            edited.insert(contentsOf: SplitMix64.bytes(seed: seed &+ 1000, count: inserted), at: offset)
        } else {
            edited.removeSubrange(offset..<offset - inserted)
        }
        let chunker = FastCDC()
        let before = Self.chunkIDs(original, chunker.chunkLengths(original))
        let after = Self.chunkIDs(edited, chunker.chunkLengths(edited))
        let shared = zip(before.reversed(), after.reversed()).prefix { $0 == $1 }.count
        #expect(before.count - shared <= 2, "\(before.count - shared) of \(before.count) chunks changed")
        #expect(after.count - shared <= 3)
        #expect(shared >= before.count - 2)
    }

    @Test("identical input gives identical chunks")
    func deterministic() {
        let input = SplitMix64.bytes(seed: 77, count: 1 << 20)
        #expect(FastCDC().chunkLengths(input) == FastCDC().chunkLengths(input))
    }

    static func chunkIDs(_ bytes: [UInt8], _ lengths: [Int]) -> [ObjectID] {
        var offset = 0
        return lengths.map { length in
            defer { offset += length }
            return bytes[offset..<offset + length].withUnsafeBytes { SHA256.hash($0) }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
