/// Reads the primitives `ByteWriter` writes, rejecting truncated and non-canonical input.
public struct ByteReader {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var position: Int
    public var offset: Int { position }
    private let what: String

    /// - Parameter what: names the object being decoded in errors.
    public init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.position = 0
        self.what = what
    }

    public var isAtEnd: Bool { offset == bytes.count }
    public var remaining: Int { bytes.count - offset }

    private func fail(_ reason: String) -> CoreError {
        .malformedObject(what: what, reason: "\(reason) at byte \(offset)")
    }

    public mutating func readByte() throws(CoreError) -> UInt8 {
        guard offset < bytes.count else { throw fail("unexpected end") }
        defer { position += 1 }
        return bytes[offset]
    }

    public mutating func readBytes(_ count: Int) throws(CoreError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else { throw fail("unexpected end") }
        defer { position += count }
        return bytes[offset..<offset + count]
    }

    /// Unsigned LEB128; rejects overlong (non-minimal) encodings and values over 2^63.
    public mutating func readVarint() throws(CoreError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            if shift == 63, byte > 1 { throw fail("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if byte == 0, shift > 0 { throw fail("non-minimal varint") }
                return result
            }
            shift += 7
            if shift > 63 { throw fail("varint too long") }
        }
    }

    public mutating func readLength(max: Int = Int(Int32.max)) throws(CoreError) -> Int {
        let value = try readVarint()
        guard value <= UInt64(max) else { throw fail("length \(value) exceeds \(max)") }
        return Int(value)
    }

    @inlinable
    public mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type) throws(CoreError) -> T {
        let size = MemoryLayout<T>.size
        guard size <= bytes.count - offset else { throw truncated() }
        let value = bytes.withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        position += size
        return value
    }

    @usableFromInline
    func truncated() -> CoreError { fail("unexpected end") }

    public mutating func readID() throws(CoreError) -> ObjectID {
        let slice = try readBytes(32)
        return slice.withUnsafeBytes { ObjectID(bytes: $0.baseAddress!) } // slice holds 32 bytes
    }

    public mutating func readString(max: Int = 1 << 24) throws(CoreError) -> String {
        let count = try readLength(max: max)
        let slice = try readBytes(count)
        guard let string = slice.withUnsafeBytes({ String(validatingUTF8Bytes: $0) }) else { throw fail("invalid UTF-8") }
        return string
    }

    public mutating func expectMagic(_ magic: String) throws(CoreError) {
        let slice = try readBytes(magic.utf8.count)
        guard slice.elementsEqual(magic.utf8) else { throw fail("bad magic, expected \(magic)") }
    }

    /// Reads an object header: the magic, then a version byte that must be between 1 and
    /// `version` (a newer one is `.unsupportedVersion`, 0 is malformed).
    public mutating func expectHeader(magic: String, version: UInt8) throws(CoreError) {
        try expectMagic(magic)
        let found = try readByte()
        guard found <= version else {
            throw .unsupportedVersion(what: what, version: Int(found), supported: Int(version))
        }
        guard found > 0 else { throw fail("version 0") }
    }

    public func expectEnd() throws(CoreError) {
        guard isAtEnd else { throw fail("\(remaining) trailing bytes") }
    }
}
