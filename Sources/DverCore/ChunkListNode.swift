/// One node of a file's chunk list (FORMAT.md, "Chunk list node").
///
/// Level 0 entries name chunks; higher levels name child nodes. `length` is the number of file
/// bytes the entry covers.
public struct ChunkListNode: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var id: ObjectID
        public var length: UInt64
        public init(id: ObjectID, length: UInt64) { self.id = id; self.length = length }
    }

    public static let magic = "DVCL"
    public static let version: UInt8 = 1

    public var level: Int
    public var entries: [Entry]

    public init(level: Int, entries: [Entry]) {
        self.level = level
        self.entries = entries
    }

    /// The bytes the node covers. Decoded nodes are checked not to exceed `maximumLength`, so
    /// this cannot overflow for them.
    public var totalLength: UInt64 { entries.reduce(0) { $0 &+ $1.length } }

    /// The most bytes one node (and so one file) may cover: 2^62.
    public static let maximumLength: UInt64 = 1 << 62
    /// The deepest level a node may have (a file of 2^62 bytes needs fewer than 20).
    public static let maximumLevel = 32

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 8 + entries.count * 36)
        writer.append(contentsOf: Self.magic.utf8)
        writer.append(Self.version)
        writer.append(UInt8(level))
        writer.appendVarint(entries.count)
        for entry in entries {
            writer.append(entry.id)
            writer.appendVarint(entry.length)
        }
        return writer.bytes
    }

    /// - Throws: `CoreError` when the bytes are not a canonical chunk list node.
    public static func decode(_ bytes: [UInt8]) throws(CoreError) -> ChunkListNode {
        var reader = ByteReader(bytes, what: "chunk list node")
        try reader.expectHeader(magic: magic, version: Self.version)
        let level = Int(try reader.readByte())
        guard level <= maximumLevel else {
            throw .malformedObject(what: "chunk list node", reason: "level \(level) exceeds \(maximumLevel)")
        }
        let count = try reader.readLength(max: reader.remaining / 33)
        var entries = [Entry]()
        entries.reserveCapacity(count)
        var total: UInt64 = 0
        for _ in 0..<count {
            let id = try reader.readID()
            let length = try reader.readVarint()
            guard length > 0 else {
                throw .malformedObject(what: "chunk list node", reason: "zero-length entry")
            }
            let (sum, overflow) = total.addingReportingOverflow(length)
            guard !overflow, sum <= maximumLength else {
                throw .malformedObject(what: "chunk list node", reason: "entries cover more than 2^62 bytes")
            }
            total = sum
            entries.append(Entry(id: id, length: length))
        }
        try reader.expectEnd()
        guard !entries.isEmpty else {
            throw .malformedObject(what: "chunk list node", reason: "no entries")
        }
        return ChunkListNode(level: level, entries: entries)
    }
}
