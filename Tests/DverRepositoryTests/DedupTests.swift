import DverCore
import DverRepository
import DverStore
import Testing

/// Stored-bytes assertions (never timings): content-defined chunking must store only what is new.
@Suite("dedup: identical content, appends and prepends")
struct DedupTests {
    @Test("the same 3 MB under two names is stored once")
    func sameContentTwice() throws {
        let content = FileContent.random(size: 3_000_000, seed: 11)
        let ws = try Workspace.make(["data/raw/one.bin": content])
        try ws.add("data/raw")
        let chunks = ws.objectCount(.chunk)
        try ws.write("data/raw/copy/two.bin", content)
        try ws.add("data/raw")
        #expect(ws.objectCount(.chunk) == chunks, "the copy adds no chunk")
        try ws.commit()

        let usage = try ws.project.diskUsage()
        #expect(usage.uniqueBytes == 3_000_000)
        #expect(usage.uniqueStoredBytes <= usage.uniqueBytes, "incompressible chunks are stored raw")
        #expect(usage.repos.first?.headBytes == 6_000_000)
        #expect(usage.logicalBytes == 6_000_000)
        #expect(usage.dedupRatio == 2)
        #expect(try ws.files("raw")["data/raw/one.bin"]?.id == ws.files("raw")["data/raw/copy/two.bin"]?.id)
    }

    @Test("a file committed again in another repo stores nothing new")
    func acrossRepos() throws {
        let content = FileContent.random(size: 500_000, seed: 12)
        let ws = try Workspace.make(["data/a/x.bin": content])
        try ws.add("data/a")
        try ws.commit()
        let before = try ws.project.diskUsage().uniqueBytes
        try ws.write("data/b/y.bin", content)
        try ws.add("data/b")
        try ws.commit()
        let after = try ws.project.diskUsage()
        #expect(after.uniqueBytes == before)
        #expect(after.repos.map(\.headBytes) == [500_000, 500_000])
    }

    @Test("appending 1% to a CSV stores a small fraction of the file", arguments: [8_000_000, 12_000_000])
    func append(size: Int) throws {
        let grown = TestBytes.csv(size + size / 100, seed: 21)
        let ws = try Workspace.make(["data/raw/table.csv": .bytes(Array(grown.prefix(size)))])
        try ws.add("data/raw")
        try ws.commit()
        let before = try ws.project.diskUsage()
        #expect(before.uniqueBytes == UInt64(size))
        #expect(before.compressionRatio > 1.5, "CSV chunks are compressed")

        try ws.write("data/raw/table.csv", .bytes(grown))
        try ws.add("data/raw")
        try ws.commit()
        let added = try ws.project.diskUsage().uniqueBytes - before.uniqueBytes
        #expect(added >= UInt64(size / 100), "the appended bytes themselves are new")
        #expect(added < UInt64(size / 10), "\(added) new bytes for a \(size / 100)-byte append")
        #expect(try ws.bytes("data/raw/table.csv") == grown)
    }

    @Test("prepending one line to a CSV stores under 5% of the file", arguments: [8_000_000, 12_000_000])
    func prepend(size: Int) throws {
        let original = TestBytes.csv(size, seed: 22)
        let ws = try Workspace.make(["data/raw/table.csv": .bytes(original)])
        try ws.add("data/raw")
        try ws.commit()
        let before = try ws.project.diskUsage().uniqueBytes

        let header = Array("row,sensor,reading,state\n".utf8)
        try ws.write("data/raw/table.csv", .bytes(header + original))
        try ws.add("data/raw")
        try ws.commit()
        let added = try ws.project.diskUsage().uniqueBytes - before
        #expect(added > 0)
        #expect(added < UInt64(size / 20), "\(added) new bytes for a one-line prepend")

        try ws.checkout("raw@main~1")
        #expect(try ws.bytes("data/raw/table.csv") == original)
    }

    /// Files of 8 MiB and more are chunked while streaming in windows; smaller ones in memory.
    /// Both must cut at the same content-defined boundaries, or dedup across them is lost.
    @Test("streamed and in-memory chunking cut a shared prefix identically")
    func streamedMatchesInMemory() throws {
        let whole = TestBytes.random(40_000_000, seed: 23)
        let ws = try Workspace.make(["data/raw/whole.bin": .bytes(whole),
                                     "data/raw/prefix.bin": .bytes(Array(whole.prefix(7_000_000)))])
        try ws.add("data/raw")
        try ws.commit()
        let usage = try ws.project.diskUsage()
        #expect(usage.uniqueBytes >= 40_000_000)
        #expect(usage.uniqueBytes <= 40_000_000 + 256 << 10, "only the prefix file's last chunk is new")
        let files = try ws.files("raw")
        let wholeChunks = try ChunkListBuilder.chunks(of: try #require(files["data/raw/whole.bin"]).id, store: ws.project.store)
        let prefixChunks = try ChunkListBuilder.chunks(of: try #require(files["data/raw/prefix.bin"]).id, store: ws.project.store)
        #expect(Array(wholeChunks.prefix(prefixChunks.count - 1)) == Array(prefixChunks.dropLast()))
    }

    /// Files under 1 MiB are read by many threads with 1 MiB buffers, files up to 8 MiB by one
    /// thread per core with 8 MiB buffers: prefixes of one stream on each side of both limits,
    /// among many small files, must come back byte for byte and cut at the same boundaries.
    @Test("files on each side of the reading limits are stored whole and cut alike")
    func readingLimits() throws {
        let stream = TestBytes.random(8 << 20, seed: 24)
        let sizes = [(1 << 20) - 1, 1 << 20, (1 << 20) + 1, (8 << 20) - 1, 8 << 20]
        var files = [String: FileContent]()
        for size in sizes { files["data/raw/prefix-\(size).bin"] = .bytes(Array(stream.prefix(size))) }
        for number in 0..<300 { files["data/raw/small/\(number).txt"] = .random(size: number * 37, seed: UInt64(number)) }
        let ws = try Workspace.make(files)
        try ws.add("data/raw")
        try ws.commit()
        try ws.delete("data/raw")
        try ws.checkout("raw@main", force: true)
        for (path, content) in files { #expect(try ws.bytes(path) == content.bytes, "\(path)") }

        let refs = try ws.files("raw")
        let chunkLists = try sizes.map { size in
            try ChunkListBuilder.chunks(of: try #require(refs["data/raw/prefix-\(size).bin"]).id, store: ws.project.store)
        }
        for (shorter, longer) in zip(chunkLists, chunkLists.dropFirst()) {
            #expect(Array(longer.prefix(shorter.count - 1)) == Array(shorter.dropLast()))
        }
    }
}
