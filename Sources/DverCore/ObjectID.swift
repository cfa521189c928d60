/// DverCore: the values every other layer speaks — object ids, SHA-256, canonical binary
/// encodings of chunk lists, trees and commits, and validated repository paths. Nothing in
/// this module touches the file system.

/// A 32-byte SHA-256 object id.
///
/// Stored as four big-endian words so that comparison is byte order and hashing is cheap.
public struct ObjectID: Hashable, Comparable, Sendable {
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    public static let byteCount = 32
    public static let zero = ObjectID(w0: 0, w1: 0, w2: 0, w3: 0)

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Reads 32 bytes at `pointer`.
    public init(bytes pointer: UnsafeRawPointer) {
        w0 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Returns nil unless `bytes` holds exactly 32 bytes.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        let array = Array(bytes)
        self = array.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) } // count checked above
    }

    /// Parses 64 lowercase or uppercase hex digits.
    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 64, let bytes = HexCoding.decode(hex) else { return nil }
        self.init(bytes: bytes)!  // 64 hex digits decode to exactly 32 bytes
    }

    /// Writes the 32 bytes at `pointer`.
    public func store(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
        pointer.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
        pointer.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
        pointer.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            store(to: UnsafeMutableRawPointer(buffer.baseAddress!))  // capacity is 32
            count = 32
        }
    }

    /// The first byte, used for index fan-out tables.
    public var firstByte: UInt8 { UInt8(truncatingIfNeeded: w0 >> 56) }

    public var hex: String { HexCoding.encode(bytes) }

    /// The first `length` hex digits, for display.
    public func shortHex(_ length: Int = 12) -> String { String(hex.prefix(length)) }

    /// True when the hex form starts with `prefix` (lowercase hex digits).
    public func hasHexPrefix(_ prefix: String) -> Bool { hex.hasPrefix(prefix) }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        if lhs.w0 != rhs.w0 { return lhs.w0 < rhs.w0 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        if lhs.w2 != rhs.w2 { return lhs.w2 < rhs.w2 }
        return lhs.w3 < rhs.w3
    }
}

extension ObjectID: CustomStringConvertible {
    public var description: String { hex }
}
