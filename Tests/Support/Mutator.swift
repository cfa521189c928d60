import Foundation

/// Seeded mutations of valid inputs, for fuzz tests of decoders: each case takes a sample and
/// changes it the way damage and hostile writers do — flipped bits, bytes set to 0 or 0xFF,
/// bytes inserted or deleted, ranges duplicated, truncation, runs of 0xFF (endless varints),
/// and splices of another sample. The same seed gives the same cases.
public struct Mutator {
    private var random: SplitMix64
    private let samples: [[UInt8]]

    public init(seed: UInt64, samples: [[UInt8]]) {
        precondition(!samples.isEmpty, "a mutator needs at least one sample")
        random = SplitMix64(seed: seed)
        self.samples = samples
    }

    /// How many cases a fuzz test runs: `base`, or `DVER_FUZZ_ITERATIONS` when set (for long runs).
    public static func iterations(_ base: Int) -> Int {
        ProcessInfo.processInfo.environment["DVER_FUZZ_ITERATIONS"].flatMap(Int.init) ?? base
    }

    private mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(random.next() % UInt64(bound)) }

    /// One mutated sample (one to four mutations).
    public mutating func next() -> [UInt8] {
        var bytes = samples[below(samples.count)]
        for _ in 0...below(4) { mutate(&bytes) }
        return bytes
    }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        let position = below(bytes.count)
        switch below(9) {
        case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1) << UInt8(below(8))
        case 1 where !bytes.isEmpty: bytes[position] = [0x00, 0xFF, 0x7F, 0x80][below(4)]
        case 2 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: random.next())
        case 3: bytes.insert(contentsOf: random.bytes(1 + below(8)), at: below(bytes.count + 1))
        case 4 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + 1 + below(16)))
        case 5 where !bytes.isEmpty:
            let end = min(bytes.count, position + 1 + below(64))
            bytes.insert(contentsOf: bytes[position..<end], at: below(bytes.count + 1))
        case 6: bytes.removeLast(below(bytes.count + 1))
        case 7: bytes.insert(contentsOf: [UInt8](repeating: 0xFF, count: 1 + below(12)), at: below(bytes.count + 1))
        default:
            let other = samples[below(samples.count)]
            let cut = below(other.count + 1)
            bytes = Array(bytes.prefix(position)) + other[cut...]
        }
    }
}
