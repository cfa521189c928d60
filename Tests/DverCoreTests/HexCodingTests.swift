import DverCore
import Testing

@Suite("Hex coding")
struct HexCodingTests {
    @Test("round trips every byte value")
    func roundTrip() {
        let bytes = (0...255).map { UInt8($0) }
        let hex = HexCoding.encode(bytes)
        #expect(hex.count == 512)
        #expect(hex.hasPrefix("000102"))
        #expect(hex.hasSuffix("fdfeff"))
        #expect(HexCoding.decode(hex) == bytes)
        #expect(HexCoding.decode(hex.uppercased()) == bytes)
    }

    @Test("empty input")
    func empty() {
        #expect(HexCoding.encode([UInt8]()) == "")
        #expect(HexCoding.decode("") == [])
        #expect(!HexCoding.isHex(""))
    }

    @Test("rejects odd lengths and non-hex characters", arguments: ["a", "abc", "0g", "zz", " 0", "0x00", "é0"])
    func rejects(_ text: String) {
        #expect(HexCoding.decode(text) == nil)
    }

    @Test("isHex")
    func isHex() {
        #expect(HexCoding.isHex("0123456789abcdefABCDEF"))
        #expect(!HexCoding.isHex("12-3"))
    }
}
