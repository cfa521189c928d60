import DverCore
import DverStore
import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One segment file of the object cache: a header, then records appended one after another
/// (docs/FORMAT.md, "Object cache"). Its descriptor stays open while anything refers to the
/// segment, so a reader holding one can finish its read even after an eviction unlinked it.
final class CacheSegment: Sendable {
    /// "DVERCSEG", format version 1, seven zero bytes.
    static let magic = Array("DVERCSEG".utf8)
    static let formatVersion: UInt8 = 1
    static let headerSize = 16
    /// "DVCR", kind, three zero bytes, length (u32 BE), id (32 bytes).
    static let recordMagic = Array("DVCR".utf8)
    static let recordHeaderSize = 44

    let name: String
    let path: String
    let descriptor: Int32
    /// Scan position, last read (in this process) and last mtime update, under this lock.
    let state = Locked((indexedEnd: UInt64(0), lastUse: Int64(0), lastTouch: Int64(0)))

    private init(name: String, path: String, descriptor: Int32) {
        self.name = name
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Opens an existing segment for reading; nil when it is gone or not a segment.
    static func open(name: String, directory: String) -> CacheSegment? {
        let path = "\(directory)/\(name)"
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var header = [UInt8](repeating: 0, count: headerSize)
        guard pread(fd, &header, headerSize, 0) == headerSize, header.starts(with: magic), header[8] == formatVersion else {
            close(fd)
            return nil
        }
        let segment = CacheSegment(name: name, path: path, descriptor: fd)
        segment.state.withLock { $0.indexedEnd = UInt64(headerSize) }
        return segment
    }

    /// Creates a new, empty segment with a random name, for this process to append to.
    /// - Throws: `SystemError`.
    static func create(directory: String) throws -> CacheSegment {
        let name = String(format: "%016llx.seg", UInt64.random(in: 0...UInt64.max))
        let path = "\(directory)/\(name)"
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_EXCL, mode: 0o644)
        do {
            try fd.pwriteAll(magic + [formatVersion] + [UInt8](repeating: 0, count: 7), count: headerSize, offset: 0)
        } catch {
            fd.close()
            _ = unlink(path)
            throw error
        }
        let segment = CacheSegment(name: name, path: path, descriptor: fd.rawValue)
        segment.state.withLock { $0.indexedEnd = UInt64(headerSize) }
        return segment
    }

    /// When a record of it was last read by this process (0: never).
    var lastUse: Int64 { state.withLock { $0.lastUse } }

    /// Bytes the file has now.
    var size: UInt64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return 0 }
        return UInt64(max(0, status.st_size))
    }

    /// The records added since the last call (by any process), stopping at the first that is
    /// incomplete or malformed (a write in progress, or a torn tail after a crash).
    func newRecords() -> [(id: ObjectID, location: CacheLocation)] {
        let end = size
        var offset = state.withLock { $0.indexedEnd }
        var found = [(id: ObjectID, location: CacheLocation)]()
        var header = [UInt8](repeating: 0, count: Self.recordHeaderSize)
        while offset + UInt64(Self.recordHeaderSize) <= end {
            guard pread(descriptor, &header, Self.recordHeaderSize, off_t(offset)) == Self.recordHeaderSize,
                  let (id, kind, length) = Self.parseRecordHeader(header) else { break }
            let next = offset + UInt64(Self.recordHeaderSize) + UInt64(length)
            guard next <= end else { break }
            found.append((id, CacheLocation(segment: self, offset: offset, length: length, kind: kind)))
            offset = next
        }
        state.withLock { $0.indexedEnd = max($0.indexedEnd, offset) }
        return found
    }

    /// A record header's id, kind and length, when it is well formed.
    static func parseRecordHeader(_ header: [UInt8]) -> (ObjectID, ObjectKind, UInt32)? {
        guard header.count == recordHeaderSize, header.starts(with: recordMagic), let kind = ObjectKind(rawValue: header[4]),
              header[5] == 0, header[6] == 0, header[7] == 0, let id = ObjectID(bytes: header[12..<44]) else { return nil }
        let length = header[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard Int(length) <= PackFormat.maximumRawLength(kind) else { return nil }
        return (id, kind, length)
    }

    /// The record for `id` of `kind` and `length` bytes at `offset`, verified: header fields
    /// and the SHA-256 of the bytes. Nil when anything differs.
    func read(_ id: ObjectID, kind: ObjectKind, offset: UInt64, length: UInt32) -> [UInt8]? {
        let total = Self.recordHeaderSize + Int(length)   // length is within the kind's limit
        var record = [UInt8](repeating: 0, count: total)
        let got = record.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, total, off_t(offset)) }
        guard got == total, let (recordID, recordKind, recordLength) = Self.parseRecordHeader(Array(record[..<Self.recordHeaderSize])),
              recordID == id, recordKind == kind, recordLength == length else { return nil }
        let content = Array(record[Self.recordHeaderSize...])
        guard SHA256.hash(content) == id else { return nil }
        return content
    }

    /// The bytes of a record: header, then content.
    static func record(_ id: ObjectID, kind: ObjectKind, bytes: [UInt8]) -> [UInt8] {
        let length = UInt32(bytes.count)   // objects are at most 64 MiB (maximumRawLength)
        var record = recordMagic + [kind.rawValue, 0, 0, 0]
        record += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
        return record + id.bytes + bytes
    }

    /// Marks the segment used now: in memory, and in its mtime (which other processes'
    /// evictions go by) at most once a second.
    func touch(now: Int64) {
        let due = state.withLock { state -> Bool in
            state.lastUse = max(state.lastUse, now)
            guard now - state.lastTouch > 1_000_000_000 else { return false }
            state.lastTouch = now
            return true
        }
        if due { _ = futimens(descriptor, nil) }
    }
}

/// Where a cached object's record is.
struct CacheLocation: Sendable {
    let segment: CacheSegment
    /// Offset of the record header.
    let offset: UInt64
    let length: UInt32
    let kind: ObjectKind

    var recordSize: UInt64 { UInt64(CacheSegment.recordHeaderSize) + UInt64(length) }
}
