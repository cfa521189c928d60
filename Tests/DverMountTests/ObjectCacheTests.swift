import DverCore
@testable import DverMount
import DverSystem
import Foundation
import Testing

/// The on-disk object cache: verified reads, segments shared between processes, eviction of
/// the least recently used segments by size.
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
        let segments = "\(directory)/segments"
        return try FileSystem.listRaw(segments).reduce(0) { total, entry in
            var status = stat()
            guard lstat("\(segments)/\(String(decoding: entry.bytes, as: UTF8.self))", &status) == 0 else { return total }
            return total + UInt64(status.st_blocks) * 512
        }
    }

    /// Flips one byte of the file at `offset`.
    static func flip(_ path: String, at offset: UInt64) throws {
        var bytes = try FileSystem.readFile(path)
        bytes[Int(offset)] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("a stored object reads back verified, also in another process's view; absent ones read as nil")
    func storesAndReads() throws {
        defer { try? FileSystem.removeTree(directory) }
        let cache = try ObjectCache(directory: directory, limit: 1 << 30)
        let other = try ObjectCache(directory: directory, limit: 1 << 30)   // another mount, opened before
        let (id, bytes) = Self.chunk(70_000, seed: 1)
        #expect(cache.read(id, as: .chunk) == nil)
        try cache.store(id, kind: .chunk, bytes: bytes)
        #expect(cache.read(id, as: .chunk) == bytes)
        #expect(other.read(id, as: .chunk) == bytes, "found by rescanning the segments")
        #expect(try ObjectCache(directory: directory, limit: 1 << 30).read(id, as: .chunk) == bytes)
        // Asked for as another kind, it is not served.
        #expect(cache.read(id, as: .tree) == nil)
    }

    @Test("a damaged, truncated or mislabelled record is never served, and a new copy is", arguments: ["flip", "truncate", "relabel"])
    func damagedRecordIsDropped(damage: String) throws {
        defer { try? FileSystem.removeTree(directory) }
        let cache = try ObjectCache(directory: directory, limit: 1 << 30)
        let (first, firstBytes) = Self.chunk(20_000, seed: 2)
        let (id, bytes) = Self.chunk(30_000, seed: 3)
        try cache.store(first, kind: .chunk, bytes: firstBytes)
        try cache.store(id, kind: .chunk, bytes: bytes)
        let location = try #require(cache.location(of: id))
        let path = location.segment.path
        switch damage {
        case "flip": try Self.flip(path, at: location.offset + UInt64(CacheSegment.recordHeaderSize) + 1000)
        case "truncate": #expect(truncate(path, off_t(location.offset + location.recordSize - 1)) == 0)
        default: try Self.flip(path, at: location.offset + 12)   // the id in the record header
        }
        #expect(cache.read(id, as: .chunk) == nil)
        #expect(try ObjectCache(directory: directory, limit: 1 << 30).read(id, as: .chunk) == nil)
        #expect(cache.read(first, as: .chunk) == firstBytes, "the record before it is unaffected")
        try cache.store(id, kind: .chunk, bytes: bytes)   // fetched again
        #expect(cache.read(id, as: .chunk) == bytes)
    }

    @Test("past its limit the least recently used segments go, down to 90% of it")
    func evictsLeastRecentlyUsed() throws {
        defer { try? FileSystem.removeTree(directory) }
        let limit: UInt64 = 2 << 20
        let cache = try ObjectCache(directory: directory, limit: limit)
        #expect(cache.segmentLimit == 256 << 10)
        let chunks = (0..<48).map { Self.chunk(64 << 10, seed: UInt8($0)) }   // 3 MiB in all
        for (position, (id, bytes)) in chunks.enumerated() {
            try cache.store(id, kind: .chunk, bytes: bytes)
            // Keep the first chunk in use: its segment must survive every eviction.
            if position > 0 { usleep(2_000); #expect(cache.read(chunks[0].0, as: .chunk) == chunks[0].1) }
            #expect(try allocatedBytes() <= limit)
        }
        #expect(cache.evictedSegments > 0)
        #expect(cache.read(chunks[0].0, as: .chunk) == chunks[0].1)
        #expect(cache.read(chunks[5].0, as: .chunk) == nil, "an old unused chunk was evicted")
        #expect(cache.read(chunks[47].0, as: .chunk) == chunks[47].1, "the newest stays")
        #expect(try allocatedBytes() <= limit)
    }

    @Test("opening with a smaller limit evicts at once; a torn record at a segment's end is ignored")
    func reopenWithSmallerLimitAndTornTail() throws {
        defer { try? FileSystem.removeTree(directory) }
        let big = try ObjectCache(directory: directory, limit: 1 << 30)
        let chunks = (0..<40).map { Self.chunk(64 << 10, seed: UInt8($0)) }
        for (id, bytes) in chunks { try big.store(id, kind: .chunk, bytes: bytes) }
        // A crash in the middle of an append: a record header and part of its bytes.
        let segment = try #require(big.location(of: chunks[0].0)).segment
        let (tornID, tornBytes) = Self.chunk(50_000, seed: 99)
        let torn = Array(CacheSegment.record(tornID, kind: .chunk, bytes: tornBytes).prefix(1000))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(torn))
        try handle.close()
        let reopened = try ObjectCache(directory: directory, limit: 1 << 30)
        #expect(reopened.read(chunks[39].0, as: .chunk) == chunks[39].1)
        #expect(reopened.read(tornID, as: .chunk) == nil)
        _ = try ObjectCache(directory: directory, limit: 1 << 20)
        #expect(try allocatedBytes() <= 1 << 20)
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
