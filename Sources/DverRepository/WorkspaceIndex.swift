import DverCore
import DverStore
import DverSystem

/// One tracked path of the workspace.
///
/// Kept small, since the index holds one per tracked file: the base is stored only when it is
/// not the staged version (after `commit`, and for every unchanged file, they are the same).
public struct IndexEntry: Equatable, Sendable {
    /// Project-relative path, e.g. `data/raw/a.csv`.
    public var path: String
    /// Stat data of the workspace file when `staged` was computed from it.
    public var stat: StatCache
    private var storedStaged: FileRef?
    private var storedBase: BaseVersion

    /// Where the base version is: none, the staged version, or a version of its own.
    private enum BaseVersion: Equatable, Sendable {
        case none
        case staged
        case other(Boxed)
    }

    /// A version kept out of line: entries whose base differs from their staged version are few.
    private final class Boxed: Equatable, Sendable {
        let ref: FileRef
        init(_ ref: FileRef) { self.ref = ref }
        static func == (lhs: Boxed, rhs: Boxed) -> Bool { lhs.ref == rhs.ref }
    }

    /// The version `dver commit` would record; nil when the deletion is staged.
    public var staged: FileRef? {
        get { storedStaged }
        set {
            if case .staged = storedBase, let old = storedStaged, newValue != old { storedBase = .other(Boxed(old)) }
            storedStaged = newValue
            if case .other(let boxed) = storedBase, boxed.ref == newValue { storedBase = .staged }
        }
    }

    /// The version in the repo's checked-out commit; nil for a newly added path.
    public var base: FileRef? {
        get {
            switch storedBase {
            case .none: return nil
            case .staged: return storedStaged
            case .other(let boxed): return boxed.ref
            }
        }
        set { storedBase = Self.storage(base: newValue, staged: storedStaged) }
    }

    public init(path: String, staged: FileRef?, base: FileRef?, stat: StatCache) {
        self.path = path
        self.stat = stat
        self.storedStaged = staged
        self.storedBase = Self.storage(base: base, staged: staged)
    }

    /// A base equal to the staged version is stored as a mark, not a second copy.
    private static func storage(base: FileRef?, staged: FileRef?) -> BaseVersion {
        guard let base else { return .none }
        return base == staged ? .staged : .other(Boxed(base))
    }

    /// True when base and staged are the same version (both present).
    public var baseIsStaged: Bool {
        if case .staged = storedBase { return storedStaged != nil }
        return false
    }

    public static func == (lhs: IndexEntry, rhs: IndexEntry) -> Bool {
        lhs.path == rhs.path && lhs.stat == rhs.stat && lhs.staged == rhs.staged && lhs.base == rhs.base
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
    /// Version 3 stores a base equal to the staged version as a flag; version 2 (read, never
    /// written) stores it in full; version 1 (read) also has no CRC-32 at the end.
    public static let version: UInt32 = 3
    static let endMarker = Array("DVEREND\0".utf8)

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
        // The paths under `directory/` are exactly those from `directory/` up to `directory0`
        // ("0" is the byte after "/").
        let lower = lowerBound(directory + "/")
        return lower..<max(lower, lowerBound(directory + "0"))
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

    /// Replaces the entries under `directory` with `replacement` (which must all lie under it),
    /// `sorted` when the caller has them in byte order already. The replacement is sorted in
    /// place and, when it replaces the whole index, taken as it is: never copied.
    public mutating func replace(under directory: String, with replacement: consuming [IndexEntry], sorted: Bool = false) {
        var replacement = replacement
        if !sorted { Self.sortInPlace(&replacement) }
        let range = self.range(under: directory)
        if range == entries.indices {
            entries = replacement
        } else {
            entries.replaceSubrange(range, with: replacement)
        }
    }

    /// Sorts entries into byte order of their paths by moving them: positions are sorted, then
    /// each cycle of the permutation is followed with swaps.
    static func sortInPlace(_ entries: inout [IndexEntry]) {
        if zip(entries, entries.dropFirst()).allSatisfy({ $0.path.precedesInByteOrder($1.path) }) { return }
        // order[slot] is the position whose entry belongs at `slot`.
        var order = entries.indices.sorted { entries[$0].path.precedesInByteOrder(entries[$1].path) }
        for start in order.indices where order[start] != start {
            var slot = start
            while order[slot] != start {
                let source = order[slot]
                entries.swapAt(slot, source)
                order[slot] = slot
                slot = source
            }
            order[slot] = slot
        }
    }

    /// Whether the file at `position` has a staged version and `status` shows it unchanged
    /// since (and not racily clean): `add` then need not read it.
    public func isUnchanged(at position: Int, status: FileStatus) -> Bool {
        entries[position].staged != nil && entries[position].stat.matches(status, indexTime: loadedTime)
    }

    /// The positions a change at or beneath `path` can touch: its own entry, the entries below
    /// it, and where new ones would be inserted.
    public func span(of path: String) -> Range<Int> {
        lowerBound(path)..<range(under: path).upperBound
    }

    /// Removes the entries at `removals` (ascending positions) and merges in `insertions`
    /// (in byte order, none of them already present), in place: entries are moved, not copied
    /// into a second array, so a million-entry index is never held twice.
    public mutating func apply(removing removals: [Int], inserting insertions: [IndexEntry]) {
        if let first = removals.first {
            var write = first
            var next = 0
            for read in first..<entries.count {
                if next < removals.count, removals[next] == read {
                    next += 1
                    continue
                }
                entries.swapAt(write, read)
                write += 1
            }
            entries.removeSubrange(write...)
        }
        if insertions.isEmpty { return }
        if entries.isEmpty {
            entries = insertions
            return
        }
        // Merged from the back into room made at the end: positions between the old entries
        // not yet placed and the write position hold placeholders.
        var old = entries.count - 1
        var write = entries.count + insertions.count - 1
        entries.reserveCapacity(entries.count + insertions.count)
        entries.append(contentsOf: insertions)
        for inserted in insertions.indices.reversed() {
            while old >= 0, insertions[inserted].path.precedesInByteOrder(entries[old].path) {
                entries.swapAt(write, old)
                old -= 1
                write -= 1
            }
            entries[write] = insertions[inserted]
            write -= 1
        }
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

    /// The index's bytes; `version` below the current one writes an older format (for tests
    /// that check those are still read).
    public func encoded(version: UInt32 = Self.version) -> [UInt8] {
        var bytes = [UInt8]()
        encode(version: version) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Encodes the index piece by piece (about 1 MiB at a time) into `sink`, so that saving a
    /// million entries never holds the whole file in memory.
    public func encode(version: UInt32 = Self.version, into sink: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var writer = ByteWriter(capacity: Self.pieceSize + 4096)
        var crc: UInt32 = 0
        func drain() throws {
            try writer.bytes.withUnsafeBytes { piece in
                crc = Checksum.crc32(piece, continuing: crc)
                try sink(piece)
            }
            writer.removeAll()
        }
        writer.append(contentsOf: Self.magic)
        writer.appendBigEndian(version)
        writer.appendBigEndian(UInt32(0))
        let repos = bases.keys.sorted()
        writer.appendVarint(repos.count)
        for repo in repos {
            writer.appendString(repo)
            writer.append(bases[repo] ?? .zero)
        }
        writer.appendVarint(entries.count)
        // By position, so no entry is copied (a copy retains its path).
        for position in entries.indices {
            writer.appendString(entries[position].path)
            let staged = entries[position].staged
            let base = entries[position].base
            let sameBase = version >= 3 && entries[position].baseIsStaged
            writer.append((staged == nil ? 0 : 1) | (base == nil ? 0 : 2) | (sameBase ? 4 : 0))
            if let staged {
                let stat = entries[position].stat
                Self.append(staged, to: &writer)
                writer.appendBigEndian(stat.size)
                writer.appendBigEndian(stat.modificationNanoseconds)
                writer.appendBigEndian(stat.changeNanoseconds)
                writer.appendBigEndian(stat.inode)
                writer.appendBigEndian(stat.mode)
            }
            if !sameBase, let base { Self.append(base, to: &writer) }
            if writer.bytes.count >= Self.pieceSize { try drain() }
        }
        writer.append(contentsOf: Self.endMarker)
        try drain()
        if version >= 2 {
            writer.appendBigEndian(crc)
            try writer.bytes.withUnsafeBytes { try sink($0) }
        }
    }

    private static let pieceSize = 1 << 20

    /// Loads the index, or an empty one if none was written yet.
    public static func load(_ path: String) throws -> WorkspaceIndex {
        guard let status = try FileSystem.linkStatusIfExists(path) else { return WorkspaceIndex() }
        // Mapped, not read: status on 100k files would otherwise copy 10 MB first.
        let file = try MappedFile(path: path)
        var index: WorkspaceIndex
        do {
            index = try decode(file.bytes)
        } catch let error as CoreError {
            throw RepositoryError.damagedIndex(path: path, reason: "\(error)")
        }
        index.loadedTime = status.modificationNanoseconds
        return index
    }

    /// Writes the index atomically (temp file, fsync, rename).
    public func save(_ path: String, durable: Bool = true) throws {
        try FileSystem.writeAtomically(path, durable: durable) { fd in
            try encode { piece in
                if let base = piece.baseAddress { try fd.writeAll(base, count: piece.count) }
            }
        }
    }
}

