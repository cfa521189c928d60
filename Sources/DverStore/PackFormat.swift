import DverChunking
import DverCore

/// Byte layout constants of pack and index files (docs/FORMAT.md, "Packs" and "Pack indexes").
public enum PackFormat {
    public static let version: UInt32 = 1
    public static let packMagic = Array("DVERPACK".utf8)
    public static let packTrailerMagic = Array("DVEREND\0".utf8)
    public static let indexMagic = Array("DVERIDX\0".utf8)

    /// magic(8) version(4) reserved(4)
    public static let packHeaderSize = 16
    /// id(32) kind(1) codec(1) raw length(4) stored length(4)
    public static let recordHeaderSize = 42
    /// magic(8) record count(8)
    public static let packTrailerSize = 16

    /// magic(8) version(4) count(4) pack size(8)
    public static let indexHeaderSize = 24
    public static let fanoutSize = 256 * 4
    /// id(32) offset(8) stored length(4) raw length(4) kind(1) codec(1) reserved(2)
    public static let indexEntrySize = 52
    public static let indexTrailerSize = 32

    /// Packs are closed once they hold this many bytes.
    public static let targetPackSize = 64 << 20

    /// The largest chunk dver writes (FastCDC's maximum); symlink targets are far smaller.
    public static let maximumChunkSize = ChunkerParameters.standard.maximumSize
    /// The largest tree node, chunk-list node or commit dver accepts. A tree leaf of 1,024
    /// entries with the longest names is about 1.1 MiB; commits carry free text.
    public static let maximumMetadataSize = 64 << 20

    /// The largest raw (decoded) length an object of `kind` may have. Indexes declaring more
    /// are corrupt, so no read allocates more than this, whatever a record claims to expand to.
    public static func maximumRawLength(_ kind: ObjectKind) -> Int {
        kind == .chunk ? maximumChunkSize : maximumMetadataSize
    }

    /// The reason an index entry cannot describe a record of a pack of `packSize` bytes, or nil.
    /// Checked without arithmetic that can overflow, whatever the values.
    public static func entryProblem(offset: UInt64, storedLength: UInt32, rawLength: UInt32,
                                    kind: ObjectKind, codec: Codec, packSize: UInt64) -> String? {
        let firstData = UInt64(packHeaderSize + recordHeaderSize)
        guard packSize >= firstData + UInt64(packTrailerSize), offset >= firstData,
              offset <= packSize - UInt64(packTrailerSize),
              UInt64(storedLength) <= packSize - UInt64(packTrailerSize) - offset else {
            return "record at offset \(offset) (\(storedLength) bytes) lies outside the pack's \(packSize) bytes"
        }
        guard Int(rawLength) <= maximumRawLength(kind) else {
            return "\(kind) declares \(rawLength) bytes, more than the \(maximumRawLength(kind)) allowed"
        }
        // A record is stored compressed only when that makes it smaller.
        guard storedLength <= rawLength || codec == .raw else {
            return "compressed record stores \(storedLength) bytes, more than its \(rawLength) raw bytes"
        }
        if codec == .raw, storedLength != rawLength {
            return "raw record stores \(storedLength) bytes but declares \(rawLength)"
        }
        return nil
    }
}

/// Where an object lives and how it is stored.
public struct PackEntry: Sendable, Equatable {
    public var id: ObjectID
    /// Offset of the stored bytes (after the record header) in the pack file.
    public var offset: UInt64
    public var storedLength: UInt32
    public var rawLength: UInt32
    public var kind: ObjectKind
    public var codec: Codec

    public init(id: ObjectID, offset: UInt64, storedLength: UInt32, rawLength: UInt32, kind: ObjectKind, codec: Codec) {
        self.id = id
        self.offset = offset
        self.storedLength = storedLength
        self.rawLength = rawLength
        self.kind = kind
        self.codec = codec
    }
}
