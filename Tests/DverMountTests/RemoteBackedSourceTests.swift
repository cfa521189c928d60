import DverAccess
import DverCore
@testable import DverMount
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation
import Testing

/// Objects read from a (directory) remote on demand, through the object cache.
@Suite("remote-backed source")
struct RemoteBackedSourceTests {
    /// A project that pushed `bytes` as data/raw/big.bin to a directory remote, and a source
    /// reading that remote with no local store behind it.
    final class Scene {
        let root = NSTemporaryDirectory() + "dver-mount-remote-\(UUID().uuidString)"
        let bytes: [UInt8]
        let commit: ObjectID
        let source: RemoteBackedSource
        let log: String

        init(size: Int = 3 << 20, cacheLimit: UInt64 = 1 << 30) throws {
            try FileSystem.createDirectories("\(root)/project/data/raw")
            var state: UInt64 = 0x2545f4914f6cdd1d
            bytes = (0..<size).map { _ in
                state ^= state << 13; state ^= state >> 7; state ^= state << 17
                return UInt8(truncatingIfNeeded: state)
            }
            try FileSystem.writeAtomically("\(root)/project/data/raw/big.bin", bytes, durable: false)
            let project = try Project.initialize(at: "\(root)/project")
            _ = try project.add(["data/raw"])
            commit = try #require(try project.commit(message: "one", repos: []).commits.first?.commit)
            let remote = Remote(name: "origin", transport: DirectoryTransport(root: "\(root)/remote"),
                                cacheDirectory: "\(root)/project/.dver/remotes/origin")
            let push = PushOperation(project: project, remote: remote)
            _ = try push.run(try PushOperation.targets(project: project, specs: []))
            let reader = Remote(name: "origin", transport: DirectoryTransport(root: "\(root)/remote"), cacheDirectory: "\(root)/reader/remote")
            let fetcher = try RemoteObjectFetcher(remote: reader, index: try reader.readIndex().index)
            log = "\(root)/mount.log"
            let fd = try FileDescriptor.open(log, O_WRONLY | O_CREAT | O_APPEND)
            source = RemoteBackedSource(local: nil, cache: try ObjectCache(directory: "\(root)/reader/cache", limit: cacheLimit),
                                        fetcher: fetcher, log: MountLog(descriptor: fd.rawValue))
        }

        deinit { try? FileSystem.removeTree(root) }

        func readAll() throws -> [UInt8] {
            let snapshot = try Snapshot(source: source, repo: "raw", commitID: commit)
            let entry = try #require(try snapshot.entry(at: "big.bin"))
            var result = [UInt8]()
            try snapshot.content(of: entry).readAll { result.append(contentsOf: $0); return true }
            return result
        }
    }

    @Test("objects come from the remote once, then from the cache")
    func fetchesOnceThenCaches() throws {
        let scene = try Scene()
        #expect(try scene.readAll() == scene.bytes)
        let requests = scene.source.fetcher.requestCount
        #expect(requests > 3 && scene.source.downloads == requests)
        #expect(scene.source.fetcher.bytesReceived >= UInt64(scene.bytes.count))
        #expect(try scene.readAll() == scene.bytes)
        #expect(scene.source.fetcher.requestCount == requests)
        #expect(scene.source.cacheHits >= requests)
    }

    @Test("a damaged cache entry is fetched again; the bytes stay right")
    func damagedEntryIsRefetched() throws {
        let scene = try Scene()
        #expect(try scene.readAll() == scene.bytes)
        let requests = scene.source.fetcher.requestCount
        let snapshot = try Snapshot(source: scene.source, repo: "raw", commitID: scene.commit)
        let content = snapshot.content(of: try #require(try snapshot.entry(at: "big.bin")))
        let chunks = try content.chunks(overlapping: 0..<content.size)
        #expect(chunks.count > 10)
        for chunk in [chunks[1], chunks[5], chunks[9]] {
            let location = try #require(scene.source.cache.location(of: chunk.id))
            var bytes = try FileSystem.readFile(location.segment.path)
            bytes[Int(location.offset) + CacheSegment.recordHeaderSize + 7] ^= 0x40
            try Data(bytes).write(to: URL(fileURLWithPath: location.segment.path))
        }
        #expect(try scene.readAll() == scene.bytes)
        #expect(scene.source.fetcher.requestCount == requests + 3)
        #expect(try scene.readAll() == scene.bytes)
        #expect(scene.source.fetcher.requestCount == requests + 3, "the new copies are served from then on")
    }

    @Test("threads wanting the same missing chunk share one download")
    func concurrentReadersShareOneDownload() throws {
        let scene = try Scene()
        let snapshot = try Snapshot(source: scene.source, repo: "raw", commitID: scene.commit)
        let content = snapshot.content(of: try #require(try snapshot.entry(at: "big.bin")))
        let chunk = try #require(try content.chunk(at: 2 << 20))
        let before = scene.source.fetcher.requestCount
        let results = Locked([[UInt8]]())
        let source = scene.source
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let bytes = try? source.read(chunk.id, as: .chunk) { results.withLock { $0.append(bytes) } }
        }
        let expected = Array(scene.bytes[Int(chunk.range.lowerBound)..<Int(chunk.range.upperBound)])
        #expect(results.withLock { $0 }.count == 8)
        #expect(results.withLock { $0 }.allSatisfy { $0 == expected })
        #expect(scene.source.fetcher.requestCount == before + 1)
    }

    @Test("a small cache stays under its limit while a large file streams through it")
    func boundedCache() throws {
        let scene = try Scene(size: 6 << 20, cacheLimit: 1 << 20)
        #expect(try scene.readAll() == scene.bytes)
        #expect(try scene.source.cache.rescan().reduce(0) { $0 + $1.allocated } <= 1 << 20)
        #expect(scene.source.cache.evictedSegments > 0)
    }

    @Test("an object no listed pack holds is a missing remote object")
    func missingObject() throws {
        let scene = try Scene(size: 1000)
        let absent = SHA256.hash(Array("not stored anywhere".utf8))
        #expect(throws: RemoteError.self) { try scene.source.read(absent, as: .chunk) }
    }
}
