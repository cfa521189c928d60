import DverCore
import DverStore
import DverSystem
import Foundation

/// A bounded on-disk cache of objects read from remotes, shared by every mount of a project:
/// `.dver/cache/objects/XX/<64 hex id>`, one file per object (docs/FORMAT.md, "Object cache").
///
/// - Nothing read from it is trusted: every read checks the file's header, its kind and length,
///   and the SHA-256 of its bytes against the id; a file that fails is deleted and the caller
///   fetches the object again. So writes need no fsync: a file torn by a crash is refetched.
/// - Writes are atomic (temporary file, rename), so two mounts sharing the cache never see a
///   partial file, and the last writer of an id wins with the same bytes.
/// - Size is bounded: when the files (their allocated blocks) exceed the limit, the least
///   recently used ones are deleted down to 90% of it. Recency is each file's mtime, set on
///   every hit, so it survives remounts and is shared between mounts. The directory is
///   rescanned before evicting and whenever this process has added a tenth of the limit, so
///   other mounts' files are counted too.
///
/// One file per object is usually what dver avoids (the store uses packs), but here the count
/// is bounded by the limit over the chunk size, and a file per object makes eviction, sharing
/// and dropping damaged entries one syscall each.
public final class ObjectCache: Sendable {
    /// "DVERCACH", then format version 1, kind, two zero bytes and the raw length (u32 BE).
    static let magic = Array("DVERCACH".utf8)
    static let formatVersion: UInt8 = 1
    static let headerSize = 16
    /// The smallest limit accepted: a few of the largest chunks.
    public static let minimumLimit: UInt64 = 1 << 20
    /// Temporary files older than this are leftovers of a crashed writer.
    static let abandonedTemporaryAge: Int64 = 600 * 1_000_000_000

    public let directory: String
    public let limit: UInt64
    let state = Locked(Accounting())

    struct Accounting {
        /// Bytes on disk as of the last scan plus what this process wrote since.
        var total: UInt64 = 0
        var addedSinceScan: UInt64 = 0
        var evicting = false
        var evictions = 0
        var evictedFiles = 0
    }

    /// Opens (creating) the cache directory `directory` (`.dver/cache`) and measures it,
    /// evicting at once if it is over `limit` (a remount with a smaller limit).
    /// - Throws: `SystemError` when the directory cannot be created or read.
    public init(directory: String, limit: UInt64) throws {
        self.directory = directory
        self.limit = max(limit, Self.minimumLimit)
        try FileSystem.createDirectories(objectsDirectory)
        let files = try scan()
        state.withLock { $0.total = files.reduce(0) { $0 + $1.allocated } }
        try evictIfNeeded()
    }

    var objectsDirectory: String { "\(directory)/objects" }

    func path(of id: ObjectID) -> String {
        let hex = id.hex
        return "\(objectsDirectory)/\(hex.prefix(2))/\(hex)"
    }

    /// Bytes the cache's files occupy on disk, as last measured plus what this process added.
    public var approximateSize: UInt64 { state.withLock { $0.total } }
    /// Files this process has evicted.
    public var evictedFiles: Int { state.withLock { $0.evictedFiles } }

    // MARK: Reading

    /// The verified bytes of `id`, or nil when the cache does not hold it. A file that is not a
    /// valid entry for `id` of `kind` (damaged, truncated, another kind) is deleted and nil
    /// returned, so the caller fetches the object again. A hit marks the file recently used.
    public func read(_ id: ObjectID, as kind: ObjectKind) -> [UInt8]? {
        let path = path(of: id)
        guard let fd = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
        defer { fd.close() }
        guard let bytes = Self.verifiedContent(fd, id: id, kind: kind) else {
            _ = unlink(path)
            return nil
        }
        _ = futimens(fd.rawValue, nil)   // recently used: mtime = now
        return bytes
    }

    /// Reads and checks one cache file: header, kind, length within the kind's limit and equal
    /// to the file's, and the SHA-256 of the bytes.
    static func verifiedContent(_ fd: FileDescriptor, id: ObjectID, kind: ObjectKind) -> [UInt8]? {
        guard let status = try? fd.status(), status.size >= Int64(headerSize),
              status.size - Int64(headerSize) <= Int64(PackFormat.maximumRawLength(kind)) else { return nil }
        var file = [UInt8](repeating: 0, count: Int(status.size))   // bounded just above
        let got = file.withUnsafeMutableBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return (try? fd.readFully(into: base, count: buffer.count)) ?? -1
        }
        guard got == file.count, file[0..<8].elementsEqual(magic), file[8] == formatVersion, file[9] == kind.rawValue,
              file[10] == 0, file[11] == 0 else { return nil }
        let length = file[12..<16].reduce(0) { $0 << 8 | Int($1) }
        guard length == file.count - headerSize else { return nil }
        let content = Array(file[headerSize...])
        guard SHA256.hash(content) == id else { return nil }
        return content
    }

    // MARK: Writing

    /// Stores verified bytes of `id` (atomically: temporary file, rename), then evicts if the
    /// cache has grown past its limit.
    /// - Throws: `SystemError` (disk full, permissions); the caller still has the bytes.
    public func store(_ id: ObjectID, kind: ObjectKind, bytes: [UInt8]) throws {
        let path = path(of: id)
        let parent = FileSystem.parentPath(path)
        if !FileSystem.isDirectory(parent) { try FileSystem.createDirectories(parent) }
        let length = UInt32(bytes.count)   // objects are at most 64 MiB (maximumRawLength)
        var header = Self.magic + [Self.formatVersion, kind.rawValue, 0, 0]
        header += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        let temporary = "\(parent)/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        do {
            let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
            defer { fd.close() }
            try fd.writeAll(header)
            try fd.writeAll(bytes)
            try FileSystem.rename(temporary, to: path)
        } catch {
            _ = unlink(temporary)
            throw error
        }
        let allocated = Self.allocatedSize(of: UInt64(Self.headerSize + bytes.count))
        let due = state.withLock { state -> Bool in
            state.total += allocated
            state.addedSinceScan += allocated
            return !state.evicting && (state.total > limit || state.addedSinceScan > limit / 10)
        }
        if due { try evictIfNeeded() }
    }

    /// What a file of `size` bytes occupies, counted in 4 KiB blocks as most file systems do
    /// (a scan replaces the estimate with `st_blocks`).
    static func allocatedSize(of size: UInt64) -> UInt64 { (size + 4095) / 4096 * 4096 }
}
