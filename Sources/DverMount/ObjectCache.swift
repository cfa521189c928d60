import DverCore
import DverStore
import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bounded on-disk cache of objects read from remotes, shared by every mount of a project:
/// segment files under `.dver/cache/segments/`, each a run of appended records (docs/FORMAT.md,
/// "Object cache"), located through an index in memory built by reading the records' headers.
///
/// - Nothing read from it is trusted: every read checks the record's header against the id,
///   kind and length wanted and the SHA-256 of its bytes; a record that fails is forgotten and
///   the caller fetches the object again (to be appended anew). So writes need no fsync: a
///   record torn by a crash fails its check, or ends the scan of its segment.
/// - Each process appends only to segments it created, so two mounts sharing the cache never
///   write to one file; each finds the other's records by scanning the segments again (when
///   an object is missing, at most once a second, and before evicting).
/// - Size is bounded: when the segments (their allocated blocks) exceed the limit, the least
///   recently used segments are deleted down to 90% of it. A segment is used when a record of
///   it is read (its mtime, set at most once a second), so recency survives remounts and is
///   shared between mounts. Segments hold at most a sixteenth of the limit (and 64 MiB), so an
///   eviction frees little more than it must.
///
/// Not one file per object: creating a file per 64 KiB chunk cost more CPU (ext4 inode
/// allocation) than downloading the chunk.
public final class ObjectCache: Sendable {
    /// The smallest limit accepted: a few of the largest chunks.
    public static let minimumLimit: UInt64 = 1 << 20

    public let directory: String
    public let limit: UInt64
    /// The size at which this process starts a new segment.
    let segmentLimit: UInt64
    let state = Locked(State())

    struct State {
        var index: [ObjectID: CacheLocation] = [:]
        var segments: [String: CacheSegment] = [:]
        /// The segment this process appends to, and where the next record goes.
        var active: CacheSegment?
        var activeEnd: UInt64 = 0
        /// Allocated bytes as of the last scan plus what this process appended since.
        var total: UInt64 = 0
        var addedSinceScan: UInt64 = 0
        var evicting = false
        var evictedSegments = 0
        var lastRescan: Int64 = 0
    }

    /// Opens (creating) the cache directory `directory` (`.dver/cache`), indexes its segments
    /// and evicts at once if it is over `limit` (a remount with a smaller limit).
    /// - Throws: `SystemError` when the directory cannot be created or read.
    public init(directory: String, limit: UInt64) throws {
        self.directory = directory
        self.limit = max(limit, Self.minimumLimit)
        segmentLimit = min(64 << 20, max(256 << 10, self.limit / 16))
        try FileSystem.createDirectories(segmentsDirectory)
        try evictIfNeeded(force: true)
    }

    var segmentsDirectory: String { "\(directory)/segments" }

    /// Bytes the cache's segments occupy on disk, as last measured plus what this process added.
    public var approximateSize: UInt64 { state.withLock { $0.total } }
    /// Segments this process has evicted.
    public var evictedSegments: Int { state.withLock { $0.evictedSegments } }

    // MARK: Reading

    /// The verified bytes of `id`, or nil when the cache does not hold it. A record that does
    /// not verify (damaged, of another kind) is forgotten and nil returned, so the caller
    /// fetches the object again. A hit marks its segment recently used.
    public func read(_ id: ObjectID, as kind: ObjectKind) -> [UInt8]? {
        guard let location = location(of: id) else { return nil }
        guard location.kind == kind,
              let bytes = location.segment.read(id, kind: kind, offset: location.offset, length: location.length) else {
            state.withLock { state in
                if state.index[id]?.segment === location.segment, state.index[id]?.offset == location.offset { state.index[id] = nil }
            }
            return nil
        }
        location.segment.touch(now: Self.nowNanoseconds())
        return bytes
    }

    /// Whether the index knows `id` (without reading or verifying it).
    public func contains(_ id: ObjectID) -> Bool { location(of: id) != nil }

    /// Where `id` is; on a miss, other processes' new records are indexed first (at most once
    /// a second).
    func location(of id: ObjectID) -> CacheLocation? {
        if let found = state.withLock({ $0.index[id] }) { return found }
        let now = Self.nowNanoseconds()
        let due = state.withLock { state -> Bool in
            guard now - state.lastRescan > 1_000_000_000 else { return false }
            state.lastRescan = now
            return true
        }
        guard due else { return nil }
        _ = try? rescan()
        return state.withLock { $0.index[id] }
    }

    // MARK: Writing

    /// Appends verified bytes of `id` to this process's segment (starting a new one when it is
    /// full), then evicts if the cache has grown past its limit.
    /// - Throws: `SystemError` (disk full, permissions); the caller still has the bytes.
    public func store(_ id: ObjectID, kind: ObjectKind, bytes: [UInt8]) throws {
        let record = CacheSegment.record(id, kind: kind, bytes: bytes)
        let (segment, offset) = try reserve(UInt64(record.count))
        let written = record.withUnsafeBytes { pwrite(segment.descriptor, $0.baseAddress, record.count, off_t(offset)) }
        guard written == record.count else {
            throw SystemError("write", path: segment.path, errno: written < 0 ? errno : EIO)
        }
        let location = CacheLocation(segment: segment, offset: offset, length: UInt32(bytes.count), kind: kind)
        let due = state.withLock { state -> Bool in
            state.index[id] = location
            let added = Self.allocatedSize(of: UInt64(record.count))
            state.total += added
            state.addedSinceScan += added
            return !state.evicting && (state.total > limit || state.addedSinceScan > limit / 10)
        }
        if due { try evictIfNeeded() }
    }

    /// Room for `size` bytes at the end of this process's segment.
    private func reserve(_ size: UInt64) throws -> (CacheSegment, UInt64) {
        try state.withLock { state in
            if let active = state.active, state.activeEnd == UInt64(CacheSegment.headerSize) || state.activeEnd + size <= segmentLimit {
                let offset = state.activeEnd
                state.activeEnd += size
                return (active, offset)
            }
            let segment = try CacheSegment.create(directory: segmentsDirectory)
            state.segments[segment.name] = segment
            state.active = segment
            state.activeEnd = UInt64(CacheSegment.headerSize) + size
            state.total += 4096
            return (segment, UInt64(CacheSegment.headerSize))
        }
    }

    /// What `size` bytes add to a file's allocation, in 4 KiB blocks as most file systems count
    /// them (a scan replaces the estimate with `st_blocks`).
    static func allocatedSize(of size: UInt64) -> UInt64 { (size + 4095) / 4096 * 4096 }

    static func nowNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
