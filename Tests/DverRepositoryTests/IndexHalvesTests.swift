import DverCore
@testable import DverRepository
import DverStore
import DverSystem
import DverTestSupport
import Testing

/// The decoder splits a large index in two halves decoded at once; it must take exactly what
/// the one-thread decoder takes, and refuse exactly what it refuses.
@Suite("workspace index: decoding in halves")
struct IndexHalvesTests {
    /// An index just past the size that is split, with every kind of entry (staged only, base
    /// of its own, base equal to staged, deletion staged) and paths beyond ASCII.
    static let large: WorkspaceIndex = {
        var index = WorkspaceIndex(bases: ["raw": SHA256.hash("commit")])
        let count = WorkspaceIndex.parallelDecodeMinimum + 37
        var entries = [IndexEntry]()
        for number in 0..<count {
            let path = "data/raw/\(number % 7 == 0 ? "ü" : "d")\(number / 1000)/f\(number).csv"
            let (staged, base): (String?, String?) = switch number % 4 {
            case 0: ("s\(number)", nil)
            case 1: ("s\(number)", "b\(number)")
            case 2: ("same\(number)", "same\(number)")
            default: (nil, "gone\(number)")
            }
            entries.append(WorkspaceIndexTests.entry(path, staged: staged, base: base))
        }
        // Last in byte order: a staged deletion (see `secondHalfFlags`).
        entries.append(WorkspaceIndexTests.entry("data/raw/ÿ", staged: nil, base: "gone"))
        index.replace(under: "data/raw", with: entries)
        return index
    }()

    static func decode(_ bytes: [UInt8], inHalves: Bool) -> Result<WorkspaceIndex, any Error> {
        Result { try bytes.withUnsafeBytes { try WorkspaceIndex.decode($0, inHalves: inHalves) } }
    }

    @Test("a large index decodes in halves to the same entries, in every format version", arguments: [1, 2, 3] as [UInt32])
    func roundTrip(version: UInt32) throws {
        let bytes = Self.large.encoded(version: version)
        let halves = try Self.decode(bytes, inHalves: true).get()
        let whole = try Self.decode(bytes, inHalves: false).get()
        #expect(halves.entries.count == Self.large.entries.count)
        // Compared as Bool: a failure would otherwise print 16k entries.
        #expect(halves.entries == whole.entries ? true : false)
        #expect(halves.bases == whole.bases)
        if version == WorkspaceIndex.version { #expect(halves.entries == Self.large.entries ? true : false) }
    }

    @Test("damage anywhere in a large index is refused by both decoders alike")
    func damage() {
        let bytes = Self.large.encoded()
        var mutator = Mutator(seed: 0x4A1F, samples: [bytes])
        var refused = 0
        for _ in 0..<Mutator.iterations(200) {
            // Checksum repaired, so that the entry decoders are reached.
            let candidate = IndexFuzzTests.withChecksum(mutator.next())
            switch (Self.decode(candidate, inHalves: true), Self.decode(candidate, inHalves: false)) {
            case (.success(let halves), .success(let whole)):
                #expect(halves.entries == whole.entries ? true : false)
            case (.failure(let error), .failure):
                #expect(error is CoreError)
                refused += 1
            case (let halves, let whole):
                Issue.record("decoders disagree: in halves \(halves.failure.map { "\($0)" } ?? "decoded"), whole \(whole.failure.map { "\($0)" } ?? "decoded")")
            }
        }
        #expect(refused > 0)
    }

    @Test("an entry flag damaged in the second half is an error naming the byte")
    func secondHalfFlags() throws {
        let bytes = Self.large.encoded()
        // The last entry stages a deletion: path, flags 2, then its base (kind, chunked, size, id).
        let last = Self.large.entries[Self.large.entries.count - 1]
        let tail = 8 + 4  // end marker and CRC
        let baseLength = 2 + 1 + 32  // a one-byte size varint
        let flagsOffset = bytes.count - tail - baseLength - 1
        #expect(last.path == "data/raw/ÿ" && bytes[flagsOffset] == 2)
        var damaged = bytes
        damaged[flagsOffset] = 0x40
        let message = Self.decode(IndexFuzzTests.withChecksum(damaged), inHalves: true).failure.map { "\($0)" }
        #expect(message?.contains("bad entry flags 64 at byte \(flagsOffset + 1)") == true, "\(message ?? "decoded")")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
