import DverCore
@testable import DverMount
import DverSystem
import Foundation
import Testing

/// The on-disk object cache: verified reads, atomic writes, eviction by recency and size.
@Suite("object cache")
struct ObjectCacheTests {
    let directory = NSTemporaryDirectory() + "dver-cache-\(UUID().uuidString)"

    /// Random bytes of `count` (a stand-in chunk) and their id.
    static func chunk(_ count: Int, seed: UInt8) -> (ObjectID, [UInt8]) {
        var state = UInt64(seed) &* 0x9e3779b97f4a7c15 | 1
        let bytes = (0..<count).map { _ -> UInt8 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        return (SHA256.hash(bytes), bytes)
    }

    /// Sum of the allocated sizes of the cache's files, as `du` counts them.
    func allocatedBytes() throws -> UInt64 {
        try ObjectCache(directory: directory, limit: 1 << 40).scan().reduce(0) { $0 + $1.allocated }
    }

    @Test("a stored object reads back verified; absent ones read as nil")
    func storesAndReads() throws {
        defer { try? FileSystem.removeTree(directory) }
        let cache = try ObjectCache(directory: directory, limit: 1 << 30)
        let (id, bytes) = Self.chunk(70_000, seed: 1)
        #expect(cache.read(id, as: .chunk) == nil)
        try cache.store(id, kind: .chunk, bytes: bytes)
        #expect(cache.read(id, as: .chunk) == bytes)
        // Another process (a second mount) sees it too.
        #expect(try ObjectCache(directory: directory, limit: 1 << 30).read(id, as: .chunk) == bytes)
        // Asked for as another kind, it is not served (and is dropped).
        #expect(cache.read(id, as: .tree) == nil)
        #expect(!FileSystem.exists(cache.path(of: id)))
    }

    @Test("a damaged, truncated or misnamed file is deleted, never served", arguments: ["flip", "truncate", "swap"])
    func damagedEntryIsDropped(damage: String) throws {
        defer { try? FileSystem.removeTree(directory) }
        let cache = try ObjectCache(directory: directory, limit: 1 << 30)
        let (id, bytes) = Self.chunk(20_000, seed: 2)
        let (otherID, other) = Self.chunk(20_000, seed: 3)
        try cache.store(id, kind: .chunk, bytes: bytes)
        try cache.store(otherID, kind: .chunk, bytes: other)
        let path = cache.path(of: id)
        var file = try FileSystem.readFile(path)
        switch damage {
        case "flip": file[ObjectCache.headerSize + 1000] ^= 0x01
        case "truncate": file.removeLast(1)
        default: file = try FileSystem.readFile(cache.path(of: otherID))   // right format, wrong object
        }
        try FileSystem.writeAtomically(path, file, durable: false)
        #expect(cache.read(id, as: .chunk) == nil)
        #expect(!FileSystem.exists(path))
        #expect(cache.read(otherID, as: .chunk) == other)
    }

    @Test("past its limit the least recently used objects go, down to 90% of it")
    func evictsLeastRecentlyUsed() throws {
        defer { try? FileSystem.removeTree(directory) }
        let limit: UInt64 = 2 << 20
        let cache = try ObjectCache(directory: directory, limit: limit)
        let chunks = (0..<48).map { Self.chunk(64 << 10, seed: UInt8($0)) }   // 3 MiB in all
        for (position, (id, bytes)) in chunks.enumerated() {
            try cache.store(id, kind: .chunk, bytes: bytes)
            // Keep the first chunk in use: it must survive every eviction.
            if position > 0 { usleep(2_000); #expect(cache.read(chunks[0].0, as: .chunk) == chunks[0].1) }
            #expect(try allocatedBytes() <= limit)
        }
        #expect(cache.evictedFiles > 0)
        #expect(cache.read(chunks[0].0, as: .chunk) == chunks[0].1)
        #expect(cache.read(chunks[1].0, as: .chunk) == nil, "the oldest unused chunk was evicted")
        #expect(cache.read(chunks[47].0, as: .chunk) == chunks[47].1, "the newest stays")
        #expect(try allocatedBytes() <= limit)
    }

    @Test("opening with a smaller limit evicts at once; leftovers of crashed writes go")
    func reopenWithSmallerLimit() throws {
        defer { try? FileSystem.removeTree(directory) }
        let big = try ObjectCache(directory: directory, limit: 1 << 30)
        for seed in 0..<40 {
            let (id, bytes) = Self.chunk(64 << 10, seed: UInt8(seed))
            try big.store(id, kind: .chunk, bytes: bytes)
        }
        let (id, _) = Self.chunk(64 << 10, seed: 0)
        let leftover = "\(FileSystem.parentPath(big.path(of: id)))/.tmp-1-2"
        try FileSystem.writeAtomically(leftover, [1, 2, 3], durable: false)
        var old = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, leftover, &old, 0) == 0)
        _ = try ObjectCache(directory: directory, limit: 1 << 20)
        #expect(try allocatedBytes() <= 1 << 20)
        #expect(!FileSystem.exists(leftover))
    }

    @Test("cache sizes: units, and refusals", arguments: [
        ("20G", UInt64(20) << 30), ("512M", UInt64(512) << 20), ("1T", UInt64(1) << 40), ("10GiB", UInt64(10) << 30),
        ("2gb", UInt64(2) << 30), ("1048576", UInt64(1) << 20),
    ])
    func cacheSizes(text: String, bytes: UInt64) throws {
        #expect(try CacheSize.parse(text) == bytes)
    }

    @Test("bad cache sizes are refused", arguments: ["", "G", "12X", "-1G", "1.5G", "100K", "99999999999999T"])
    func badCacheSizes(text: String) {
        #expect(throws: MountError.invalidCacheSize(text)) { try CacheSize.parse(text) }
    }
}
