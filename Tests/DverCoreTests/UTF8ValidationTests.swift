import DverCore
import Testing

/// `String(validatingUTF8Bytes:)` (the decoders' fast path) gives the standard library's answer
/// for every input: ASCII, valid multi-byte text, and each kind of invalid sequence.
@Suite("UTF-8 validation of stored names")
struct UTF8ValidationTests {
    static let cases: [[UInt8]] = [
        [], Array("data/raw/a.csv".utf8), Array("a much longer ascii path than sixteen bytes/x.bin".utf8),
        Array("café/naïve/日本語/😀.csv".utf8), Array("e\u{301}".utf8),
        [0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xF0, 0x90, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xFF], Array("ascii then ".utf8) + [0xC3], Array("12345678".utf8) + [0xE2, 0x82] + Array("abcdefgh".utf8),
        [0x61, 0x00, 0x62],
    ]

    @Test("same answer as String(validating:as:)", arguments: cases)
    func sameAnswer(_ bytes: [UInt8]) {
        let fast = bytes.withUnsafeBytes { String(validatingUTF8Bytes: $0) }
        #expect(fast == String(validating: bytes, as: UTF8.self))
        if let fast { #expect(Array(fast.utf8) == bytes) }
    }

    @Test("every single byte after seven ASCII ones (where the 8-byte word check ends)")
    func everyByteAtTheWordEdge() {
        for byte in UInt8.min...UInt8.max {
            let bytes = Array("abcdefg".utf8) + [byte]
            let fast = bytes.withUnsafeBytes { String(validatingUTF8Bytes: $0) }
            #expect(fast == String(validating: bytes, as: UTF8.self), "byte \(byte)")
        }
    }
}
