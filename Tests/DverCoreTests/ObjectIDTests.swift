import DverCore
import Testing

@Suite("ObjectID")
struct ObjectIDTests {
    @Test("hex round trip, lowercase output, uppercase accepted")
    func hex() throws {
        let id = ObjectID.of("abc")
        let parsed = try #require(ObjectID(hex: id.hex))
        #expect(parsed == id)
        #expect(ObjectID(hex: id.hex.uppercased()) == id)
        #expect(id.hex == id.hex.lowercased())
        #expect(id.description == id.hex)
        #expect(id.shortHex() == String(id.hex.prefix(12)))
        #expect(id.hasHexPrefix("ba7816"))
        #expect(!id.hasHexPrefix("ba7817"))
    }

    @Test("rejects wrong lengths and non-hex", arguments: ["", "00", String(repeating: "0", count: 63),
                                                           String(repeating: "0", count: 65),
                                                           String(repeating: "g", count: 64)])
    func badHex(_ text: String) {
        #expect(ObjectID(hex: text) == nil)
    }

    @Test("bytes round trip; only 32 bytes make an id")
    func bytes() throws {
        let raw = (0..<32).map { UInt8($0 * 7 + 1) }
        let id = try #require(ObjectID(bytes: raw))
        #expect(id.bytes == raw)
        #expect(id.firstByte == 1)
        #expect(ObjectID(bytes: raw.dropLast()) == nil)
        #expect(ObjectID(bytes: raw + [0]) == nil)
    }

    @Test("ordering is the byte order of the 32 bytes")
    func ordering() {
        var generator = SystemRandomNumberGenerator()
        var ids = (0..<500).map { _ in
            ObjectID(bytes: (0..<32).map { _ in UInt8.random(in: 0...3, using: &generator) })!
        }
        // Ids that differ only in a late byte, and in the top bit of each word.
        for position in [0, 7, 8, 15, 16, 24, 31] {
            var raw = [UInt8](repeating: 0, count: 32)
            raw[position] = 0x80
            ids.append(ObjectID(bytes: raw)!)
        }
        let byValue = ids.sorted()
        let byBytes = ids.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        #expect(byValue == byBytes)
        #expect(ObjectID.zero < ObjectID.repeating(0x01))
    }
}
