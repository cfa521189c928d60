import DverCore
import DverRepository
import DverStore
import DverSystem
import DverTestSupport
import Testing

/// Seeded mutations of the store's own index files: the workspace index (half the cases with
/// the checksum repaired, so the parser behind it is reached too) and pack indexes opened from
/// disk and then used. Nothing may trap. `DVER_FUZZ_ITERATIONS` runs more cases.
@Suite("fuzz: workspace index and pack index loaders")
struct IndexFuzzTests {
    /// An index's bytes with its trailing CRC-32 recomputed.
    static func withChecksum(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > 4 else { return bytes }
        let body = Array(bytes.dropLast(4))
        return body + withUnsafeBytes(of: Checksum.crc32(body).bigEndian, Array.init)
    }

    @Test("mutated workspace indexes never trap", arguments: 0..<2)
    func workspaceIndex(seed: UInt64) {
        var index = WorkspaceIndexTests.sample
        index.bases["other"] = SHA256.hash("x")
        var mutator = Mutator(seed: 0x1D3 + seed, samples: [WorkspaceIndexTests.sample.encoded(), index.encoded(), index.encoded(version: 2)])
        for round in 0..<Mutator.iterations(3_000) {
            let bytes = mutator.next()
            let candidate = round % 2 == 0 ? Self.withChecksum(bytes) : bytes
            if let decoded = try? WorkspaceIndex.decode(candidate) {
                _ = decoded.entries.map { $0.hasStagedChange }
                _ = decoded.range(under: "data/raw")
            }
        }
    }

    @Test("mutated pack indexes never trap when opened, searched and checked")
    func packIndex() throws {
        let ws = try Workspace.make(["data/raw/a.csv": "1\n", "data/raw/b.bin": .random(size: 300_000, seed: 5)])
        try ws.add("data/raw")
        try ws.commit()
        let samples = try ws.project.store.packIndexes.map { try FileSystem.readFile($0.indexPath) }
        let probes = ws.project.store.packIndexes.flatMap { index in (0..<index.count).map { index.id(at: $0) } }
        var mutator = Mutator(seed: 0xBAC, samples: samples)
        let directory = ws.root + "/fuzz"
        try FileSystem.createDirectories(directory)
        for _ in 0..<Mutator.iterations(600) {
            try FileSystem.writeAtomically("\(directory)/pack-x.idx", mutator.next(), durable: false)
            guard let index = try? PackIndex(directory: directory, name: "pack-x") else { continue }
            for id in probes.prefix(8) { _ = index.find(id) }
            _ = index.ids(withHexPrefix: "a")
            _ = index.problem()
            for position in 0..<min(index.count, 64) { _ = index.entry(at: position) }
        }
    }
}
