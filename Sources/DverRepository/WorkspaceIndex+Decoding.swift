import DverCore
import DverStore
import DverSystem
import Dispatch

extension WorkspaceIndex {
    /// Decodes an index. A hand-rolled cursor over the raw bytes: status on 100k files decodes
    /// the whole index, so this is on the hot path.
    public static func decode(_ bytes: [UInt8]) throws -> WorkspaceIndex {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Indexes with at least this many entries are decoded in two halves at once.
    static let parallelDecodeMinimum = 16384

    /// Decodes an index from raw bytes (e.g. a mapping of the file).
    public static func decode(_ raw: UnsafeRawBufferPointer) throws -> WorkspaceIndex {
        try decode(raw, inHalves: System.coreCount > 1)
    }

    /// - Parameter inHalves: whether an index of `parallelDecodeMinimum` entries or more is
    ///   decoded on two threads (tests compare both ways).
    static func decode(_ raw: UnsafeRawBufferPointer, inHalves: Bool) throws -> WorkspaceIndex {
        var cursor = IndexCursor(raw)
        guard raw.count >= 16, raw.prefix(8).elementsEqual(magic) else { throw cursor.failure("bad magic") }
        cursor.offset = 8
        let version = try cursor.u32()
        if version >= 2 {
            // Checked before anything else is believed: a flipped byte anywhere, the
            // version included, is damage.
            guard raw.count >= 28, let base = raw.baseAddress else { throw cursor.failure("truncated") }
            let stored = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: raw.count - 4, as: UInt32.self))
            guard Checksum.crc32(UnsafeRawBufferPointer(start: base, count: raw.count - 4)) == stored else {
                throw CoreError.malformedObject(what: "workspace index", reason: "checksum mismatch (the file is damaged)")
            }
        }
        guard version <= Self.version, version > 0 else {
            throw CoreError.unsupportedVersion(what: "workspace index", version: Int(version), supported: Int(Self.version))
        }
        _ = try cursor.u32()
        var index = WorkspaceIndex()
        for _ in 0..<(try cursor.count()) {
            let name = try cursor.string()
            index.bases[name] = try cursor.id()
        }
        let count = try cursor.count()
        // Room for a quarter more: `add` then inserts new entries without moving the array
        // (pages of the slack are never touched unless used, so they cost no memory).
        let capacity = count + count / 4 + 1024
        if inHalves, count >= parallelDecodeMinimum {
            index.entries = try decodeInHalves(count: count, capacity: capacity, cursor: &cursor, version: version)
        } else {
            index.entries.reserveCapacity(capacity)
            for _ in 0..<count { index.entries.append(try cursor.entry(version: version)) }
        }
        let trailer = version >= 2 ? 12 : 8
        guard raw.count - cursor.offset == trailer,
              raw[cursor.offset..<cursor.offset + 8].elementsEqual(endMarker) else {
            throw cursor.failure("missing end marker")
        }
        return index
    }

    /// Decodes `count` entries from `cursor` on two threads, each filling its half of one array:
    /// a pass that only reads lengths finds where the second half starts (~5% of the work).
    /// On return `cursor` is past the last entry.
    private static func decodeInHalves(count: Int, capacity: Int, cursor: inout IndexCursor, version: UInt32) throws -> [IndexEntry] {
        let half = count / 2
        var middle = cursor
        for _ in 0..<half { try middle.skipEntry(version: version) }
        // The halves read the same read-only bytes and initialize disjoint slots of one buffer.
        nonisolated(unsafe) let starts = [cursor, middle]
        let ranges = [0..<half, half..<count]
        // What each half did: the cursor it ended with, or its error.
        let outcomes = Locked<[Result<IndexCursor, any Error>?]>([nil, nil])
        let entries = try [IndexEntry](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
            guard let start = buffer.baseAddress else { return }  // capacity > 0: count ≥ parallelDecodeMinimum
            nonisolated(unsafe) let base = start
            DispatchQueue.concurrentPerform(iterations: 2) { part in
                var local = starts[part]
                var done = 0
                do {
                    for position in ranges[part] {
                        (base + position).initialize(to: try local.entry(version: version))
                        done += 1
                    }
                    outcomes.withLock { $0[part] = .success(local) }
                } catch {
                    (base + ranges[part].lowerBound).deinitialize(count: done)
                    outcomes.withLock { $0[part] = .failure(error) }
                }
            }
            let results = outcomes.withLock { $0 }
            var ends = [IndexCursor]()
            var firstError: (any Error)?
            for result in results {
                switch result {
                case .success(let end)?: ends.append(end)
                case .failure(let error)?: firstError = firstError ?? error  // the first in file order
                case nil: preconditionFailure("concurrentPerform returned before both halves finished")
                }
            }
            // The length pass and the first half's decoding must agree on where it ends.
            if firstError == nil, ends[0].offset != middle.offset {
                firstError = ends[0].failure("entry \(half) does not start where entry \(half - 1) ends")
            }
            if let firstError {
                for part in 0..<2 {
                    if case .success? = results[part] { (base + ranges[part].lowerBound).deinitialize(count: ranges[part].count) }
                }
                throw firstError
            }
            initializedCount = count
            cursor = ends[1]
        }
        return entries
    }
}

/// Bounds-checked reads from the raw bytes of an index. Its reads are inlined into the decoding
/// loops (called, they cost a quarter of `load`).
private struct IndexCursor {
    let raw: UnsafeRawBufferPointer
    var offset = 0

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    func failure(_ reason: String) -> CoreError {
        .malformedObject(what: "workspace index", reason: "\(reason) at byte \(offset)")
    }

    @inline(__always)
    mutating func need(_ count: Int) throws {
        guard count >= 0, raw.count - offset >= count else { throw failure("unexpected end") }
    }

    @inline(__always)
    mutating func byte() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return raw[offset]
    }

    @inline(__always)
    mutating func u32() throws -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    mutating func u64() throws -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            let next = try byte()
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
        throw failure("varint too long")
    }

    @inline(__always)
    mutating func count() throws -> Int {
        let value = try varint()
        guard value <= UInt64(raw.count) else { throw failure("count \(value) exceeds the file") }
        return Int(value)
    }

    @inline(__always)
    mutating func string() throws -> String {
        let length = try count()
        try need(length)
        defer { offset += length }
        guard let text = String(validatingUTF8Bytes: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length])) else {
            throw failure("invalid UTF-8")
        }
        return text
    }

    @inline(__always)
    mutating func id() throws -> ObjectID {
        try need(32)
        defer { offset += 32 }
        return ObjectID(bytes: raw.baseAddress! + offset)  // need(32) proved 32 bytes are there
    }

    @inline(__always)
    mutating func ref() throws -> FileRef {
        guard let kind = EntryKind(rawValue: try byte()) else { throw failure("unknown entry kind") }
        let chunked = try byte() == 1
        let size = try varint()
        return FileRef(kind: kind, chunked: chunked, size: size, id: try id())
    }

    /// An entry's flags: bit 0 staged version and stat data follow, bit 1 a base version
    /// follows, bit 2 (version 3) the base is the staged version (bits 0 and 1 set, no base
    /// bytes).
    @inline(__always)
    mutating func flags(version: UInt32) throws -> UInt8 {
        let flags = try byte()
        guard flags & ~7 == 0, flags & 4 == 0 || (version >= 3 && flags & 3 == 3) else {
            throw failure("bad entry flags \(flags)")
        }
        return flags
    }

    @inline(__always)
    mutating func entry(version: UInt32) throws -> IndexEntry {
        let path = try string()
        let flags = try flags(version: version)
        var staged: FileRef?
        var stat = StatCache.empty
        if flags & 1 != 0 {
            staged = try ref()
            stat = StatCache(size: Int64(bitPattern: try u64()),
                             modificationNanoseconds: Int64(bitPattern: try u64()),
                             changeNanoseconds: Int64(bitPattern: try u64()),
                             inode: try u64(), mode: try u32())
        }
        let base = flags & 4 != 0 ? staged : flags & 2 != 0 ? try ref() : nil
        return IndexEntry(path: path, staged: staged, base: base, stat: stat)
    }

    /// Moves past an entry reading only what gives its length: the same layout as `entry`.
    mutating func skipEntry(version: UInt32) throws {
        try skip(try count())
        let flags = try flags(version: version)
        if flags & 1 != 0 {
            try skipRef()
            try skip(4 * 8 + 4)
        }
        if flags & 4 == 0, flags & 2 != 0 { try skipRef() }
    }

    @inline(__always)
    private mutating func skipRef() throws {
        try skip(2)
        _ = try varint()
        try skip(32)
    }

    @inline(__always)
    private mutating func skip(_ count: Int) throws {
        try need(count)
        offset += count
    }
}
