import DverCore
import Testing

@Suite("Varints and fixed-width integers")
struct VarintTests {
    static let knownEncodings: [(UInt64, [UInt8])] = [
        (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
        (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
        (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ]

    @Test("known LEB128 encodings", arguments: knownEncodings)
    func known(value: UInt64, bytes: [UInt8]) throws {
        var writer = ByteWriter()
        writer.appendVarint(value)
        #expect(writer.bytes == bytes)
        var reader = ByteReader(bytes, what: "varint")
        #expect(try reader.readVarint() == value)
        #expect(reader.isAtEnd)
    }

    @Test("round trips powers of two and their neighbours")
    func roundTrip() throws {
        var values: [UInt64] = []
        for shift in 0..<64 {
            let power = UInt64(1) << UInt64(shift)
            values += [power - 1, power, power &+ 1]
        }
        var writer = ByteWriter()
        for value in values { writer.appendVarint(value) }
        var reader = ByteReader(writer.bytes, what: "varints")
        for value in values { #expect(try reader.readVarint() == value) }
        try reader.expectEnd()
    }

    @Test("rejects non-minimal encodings", arguments: [[0x80, 0x00], [0x81, 0x00], [0xFF, 0x80, 0x00]] as [[UInt8]])
    func nonMinimal(_ bytes: [UInt8]) {
        var reader = ByteReader(bytes, what: "varint")
        #expect(decodingError { () throws(CoreError) in try reader.readVarint() }?.isMalformed == true)
    }

    @Test("rejects values beyond 64 bits and truncated varints", arguments: [
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        [0x80], [],
    ] as [[UInt8]])
    func overflowAndTruncation(_ bytes: [UInt8]) {
        var reader = ByteReader(bytes, what: "varint")
        #expect(decodingError { () throws(CoreError) in try reader.readVarint() }?.isMalformed == true)
    }

    @Test("lengths above the limit are rejected")
    func lengthLimit() {
        var writer = ByteWriter()
        writer.appendVarint(17)
        var reader = ByteReader(writer.bytes, what: "length")
        #expect(decodingError { () throws(CoreError) in try reader.readLength(max: 16) }?.isMalformed == true)
    }

    @Test("fixed-width integers are big-endian, including negative values")
    func bigEndian() throws {
        var writer = ByteWriter()
        writer.appendBigEndian(UInt32(0x0102_0304))
        writer.appendBigEndian(Int16(-2))
        writer.appendBigEndian(Int64(-1_700_000_000_000_000_000))
        #expect(Array(writer.bytes.prefix(6)) == [0x01, 0x02, 0x03, 0x04, 0xFF, 0xFE])
        var reader = ByteReader(writer.bytes, what: "integers")
        #expect(try reader.readBigEndian(UInt32.self) == 0x0102_0304)
        #expect(try reader.readBigEndian(Int16.self) == -2)
        #expect(try reader.readBigEndian(Int64.self) == -1_700_000_000_000_000_000)
        try reader.expectEnd()
    }

    @Test("strings are a varint byte length then UTF-8; invalid UTF-8 is rejected")
    func strings() throws {
        var writer = ByteWriter()
        writer.appendString("héllo")
        #expect(writer.bytes == [6, 0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F])
        var reader = ByteReader(writer.bytes, what: "string")
        #expect(try reader.readString() == "héllo")
        var invalid = ByteReader([2, 0xC3, 0x28], what: "string")
        #expect(decodingError { () throws(CoreError) in try invalid.readString() }?.isMalformed == true)
    }
}
