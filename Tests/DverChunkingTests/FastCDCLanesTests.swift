import DverChunking
import DverTestSupport
import Testing

/// `chunkLengths(_:count:isLast:)` chunks two halves at once and stitches them where they meet;
/// it must cut exactly where the byte-at-a-time rule does, whatever the data.
@Suite("FastCDC two-lane chunking")
struct FastCDCLanesTests {
    /// Small sizes, so that megabytes hold thousands of chunks and every phase boundary occurs.
    static let small = ChunkerParameters(minimumSize: 64, averageSize: 256, maximumSize: 1024)

    /// FORMAT.md's rule one byte at a time, chunk after chunk while a chunk may start (at least
    /// `max` bytes left, or `isLast`): the definition the two-lane search must reproduce.
    static func sequential(_ chunker: FastCDC, _ bytes: [UInt8], isLast: Bool) -> [Int] {
        let parameters = chunker.parameters
        var lengths = [Int]()
        var start = 0
        while start < bytes.count, isLast || bytes.count - start >= parameters.maximumSize {
            let end = min(bytes.count - start, parameters.maximumSize)
            var length = end
            if end > parameters.minimumSize {
                var fingerprint: UInt64 = 0
                for position in parameters.minimumSize..<end {
                    fingerprint = (fingerprint << 1) &+ GearTable.values[Int(bytes[start + position])]
                    let mask = position < parameters.averageSize ? parameters.smallMask : parameters.largeMask
                    if fingerprint & mask == 0 {
                        length = position + 1
                        break
                    }
                }
            }
            lengths.append(length)
            start += length
        }
        return lengths
    }

    static func lanes(_ chunker: FastCDC, _ bytes: [UInt8], isLast: Bool) -> [Int] {
        bytes.withUnsafeBufferPointer { chunker.chunkLengths($0.baseAddress!, count: $0.count, isLast: isLast) }
    }

    static func check(_ parameters: ChunkerParameters, _ bytes: [UInt8]) {
        let chunker = FastCDC(parameters: parameters)
        for isLast in [false, true] {
            #expect(lanes(chunker, bytes, isLast: isLast) == sequential(chunker, bytes, isLast: isLast),
                    "\(bytes.count) bytes, isLast \(isLast)")
        }
    }

    @Test("random data, many sizes", arguments: 0..<24)
    func random(round: Int) {
        var generator = SplitMix64(seed: UInt64(round))
        let count = Int(generator.next() % 200_000) + (round < 4 ? 0 : 8_000)
        Self.check(Self.small, SplitMix64.bytes(seed: UInt64(round) &+ 100, count: count))
    }

    @Test("standard parameters over a few megabytes", arguments: [1, 2] as [UInt64])
    func standard(seed: UInt64) {
        Self.check(.standard, SplitMix64.bytes(seed: seed, count: (5 << 20) + Int(seed) * 12_345))
    }

    @Test("data where the halves may never meet: zeros, short periods, long runs")
    func lowEntropy() {
        Self.check(Self.small, [UInt8](repeating: 0, count: 100_003))
        Self.check(Self.small, (0..<123_457).map { UInt8($0 % 3) })
        Self.check(Self.small, (0..<99_991).map { UInt8(truncatingIfNeeded: $0 / 5000) })
        var mixed = SplitMix64.bytes(seed: 9, count: 40_000)
        mixed += [UInt8](repeating: 7, count: 40_000) + SplitMix64.bytes(seed: 10, count: 40_000)
        Self.check(Self.small, mixed)
    }

    @Test("lengths at the edges of the two-lane threshold", arguments: [0, 1, 63, 64, 65, 1023, 1024, 1025, 8191, 8192, 8193, 16_385])
    func edges(count: Int) {
        Self.check(Self.small, SplitMix64.bytes(seed: UInt64(count), count: count))
    }
}
