import DverCore
import DverStore
import DverSystem

/// One tracked path of the workspace.
public struct IndexEntry: Equatable, Sendable {
    /// Project-relative path, e.g. `data/raw/a.csv`.
    public var path: String
    /// The version `dver commit` would record; nil when the deletion is staged.
    public var staged: FileRef?
    /// The version in the repo's checked-out commit; nil for a newly added path.
    public var base: FileRef?
    /// Stat data of the workspace file when `staged` was computed from it.
    public var stat: StatCache

    public init(path: String, staged: FileRef?, base: FileRef?, stat: StatCache) {
        self.path = path
        self.staged = staged
        self.base = base
        self.stat = stat
    }

    public var hasStagedChange: Bool {
        switch (staged, base) {
        case (nil, nil): return false
        case (let staged?, let base?): return !staged.sameContent(as: base)
        default: return true
        }
    }
}

/// `.dver/index`: the staging area and stat cache (FORMAT.md, "Workspace index").
///
/// Entries are sorted by path bytes. `bases` records, per repo, the commit that the entries'
/// `base` fields describe, so a ref moved by another process is detected.
public struct WorkspaceIndex: Sendable {
    public static let magic = Array("DVERWIX\0".utf8)
    public static let version: UInt32 = 1

    public var entries: [IndexEntry]
    public var bases: [String: ObjectID]
    /// Modification time of the index file when loaded; files not older are re-read (racy rule).
    public var loadedTime: Int64

    public init(entries: [IndexEntry] = [], bases: [String: ObjectID] = [:], loadedTime: Int64 = 0) {
        self.entries = entries
        self.bases = bases
        self.loadedTime = loadedTime
    }

    /// The contiguous range of entries below `directory` ("" = all).
    public func range(under directory: String) -> Range<Int> {
        if directory.isEmpty { return entries.indices }
        let prefix = directory + "/"
        let lower = lowerBound(prefix)
        var upper = lower
        while upper < entries.count, entries[upper].path.hasPrefix(prefix) { upper += 1 }
        return lower..<upper
    }

    /// First index whose path is not before `path` in byte order.
    public func lowerBound(_ path: String) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].path.precedesInByteOrder(path) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    public func find(_ path: String) -> Int? {
        let index = lowerBound(path)
        return index < entries.count && entries[index].path == path ? index : nil
    }

    /// Replaces the entries under `directory` with `replacement` (which must all lie under it).
    public mutating func replace(under directory: String, with replacement: [IndexEntry]) {
        let range = self.range(under: directory)
        entries.replaceSubrange(range, with: replacement.sorted { $0.path.precedesInByteOrder($1.path) })
    }

    /// Inserts or replaces one entry.
    public mutating func upsert(_ entry: IndexEntry) {
        let index = lowerBound(entry.path)
        if index < entries.count, entries[index].path == entry.path {
            entries[index] = entry
        } else {
            entries.insert(entry, at: index)
        }
    }
}

// MARK: - Encoding

extension WorkspaceIndex {
    private static func append(_ ref: FileRef, to writer: inout ByteWriter) {
        writer.append(ref.kind.rawValue)
        writer.append(ref.chunked ? 1 : 0)
        writer.appendVarint(ref.size)
        writer.append(ref.id)
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + entries.count * 160)
        writer.append(contentsOf: Self.magic)
        writer.appendBigEndian(Self.version)
        writer.appendBigEndian(UInt32(0))
        let repos = bases.keys.sorted()
        writer.appendVarint(repos.count)
        for repo in repos {
            writer.appendString(repo)
            writer.append(bases[repo] ?? .zero)
        }
        writer.appendVarint(entries.count)
        for entry in entries {
            writer.appendString(entry.path)
            writer.append((entry.staged == nil ? 0 : 1) | (entry.base == nil ? 0 : 2))
            if let staged = entry.staged {
                Self.append(staged, to: &writer)
                writer.appendBigEndian(entry.stat.size)
                writer.appendBigEndian(entry.stat.modificationNanoseconds)
                writer.appendBigEndian(entry.stat.changeNanoseconds)
                writer.appendBigEndian(entry.stat.inode)
                writer.appendBigEndian(entry.stat.mode)
            }
            if let base = entry.base { Self.append(base, to: &writer) }
        }
        writer.append(contentsOf: Array("DVEREND\0".utf8))
        return writer.bytes
    }

    private static func readRef(_ reader: inout ByteReader) throws -> FileRef {
        guard let kind = EntryKind(rawValue: try reader.readByte()) else {
            throw CoreError.malformedObject(what: "workspace index", reason: "unknown entry kind")
        }
        let chunked = try reader.readByte() == 1
        let size = try reader.readVarint()
        return FileRef(kind: kind, chunked: chunked, size: size, id: try reader.readID())
    }

    public static func decode(_ bytes: [UInt8]) throws -> WorkspaceIndex {
        var reader = ByteReader(bytes, what: "workspace index")
        try reader.expectMagic("DVERWIX\0")
        let version = try reader.readBigEndian(UInt32.self)
        guard version <= Self.version else {
            throw CoreError.unsupportedVersion(what: "workspace index", version: Int(version), supported: Int(Self.version))
        }
        _ = try reader.readBigEndian(UInt32.self)
        var index = WorkspaceIndex()
        let repoCount = try reader.readLength(max: 1 << 20)
        for _ in 0..<repoCount {
            let name = try reader.readString(max: 255)
            index.bases[name] = try reader.readID()
        }
        let count = try reader.readLength(max: reader.remaining / 8)
        index.entries.reserveCapacity(count)
        for _ in 0..<count {
            let path = try reader.readString(max: 1 << 16)
            let flags = try reader.readByte()
            var entry = IndexEntry(path: path, staged: nil, base: nil, stat: .empty)
            if flags & 1 != 0 {
                entry.staged = try readRef(&reader)
                entry.stat = StatCache(size: try reader.readBigEndian(Int64.self),
                                       modificationNanoseconds: try reader.readBigEndian(Int64.self),
                                       changeNanoseconds: try reader.readBigEndian(Int64.self),
                                       inode: try reader.readBigEndian(UInt64.self),
                                       mode: try reader.readBigEndian(UInt32.self))
            }
            if flags & 2 != 0 { entry.base = try readRef(&reader) }
            index.entries.append(entry)
        }
        try reader.expectMagic("DVEREND\0")
        try reader.expectEnd()
        return index
    }

    /// Loads the index, or an empty one if none was written yet.
    public static func load(_ path: String) throws -> WorkspaceIndex {
        guard let status = try FileSystem.linkStatusIfExists(path) else { return WorkspaceIndex() }
        var index = try decode(try FileSystem.readFile(path))
        index.loadedTime = status.modificationNanoseconds
        return index
    }

    /// Writes the index atomically (temp file, fsync, rename).
    public func save(_ path: String, durable: Bool = true) throws {
        try FileSystem.writeAtomically(path, encoded(), durable: durable)
    }
}
