/// Appends the primitive encodings of FORMAT.md: unsigned LEB128 varints, fixed big-endian
/// integers, ids and length-prefixed UTF-8 strings.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// Empties the buffer, keeping its capacity (for writers that drain it to a file as they go).
    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func append<C: Collection>(contentsOf other: C) where C.Element == UInt8 {
        bytes.append(contentsOf: other)
    }

    /// Unsigned LEB128, minimal length.
    public mutating func appendVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    public mutating func appendVarint(_ value: Int) {
        precondition(value >= 0, "varints are unsigned")
        appendVarint(UInt64(value))
    }

    public mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    // Concrete widths: the generic form is not specialized across modules, and index and
    // object encoders call these per field.
    public mutating func appendBigEndian(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func appendBigEndian(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func appendBigEndian(_ value: Int64) { appendBigEndian(UInt64(bitPattern: value)) }

    public mutating func append(_ id: ObjectID) {
        withUnsafeBytes(of: (id.w0.bigEndian, id.w1.bigEndian, id.w2.bigEndian, id.w3.bigEndian)) {
            bytes.append(contentsOf: $0)
        }
    }

    /// Varint byte length, then the UTF-8 bytes.
    public mutating func appendString(_ string: String) {
        var string = string   // withUTF8 needs a var; a native string is not copied
        string.withUTF8 { utf8 in
            appendVarint(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func appendBytesWithLength(_ data: [UInt8]) {
        appendVarint(data.count)
        bytes.append(contentsOf: data)
    }
}
