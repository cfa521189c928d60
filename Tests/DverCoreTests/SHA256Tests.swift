import DverCore
import Testing

@Suite("SHA-256")
struct SHA256Tests {
    @Test("known digests", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func known(text: String, hex: String) {
        #expect(SHA256.hash(text).hex == hex)
    }

    @Test("a million 'a's")
    func million() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hash(bytes).hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("incremental hashing equals one-shot hashing and resets after finish")
    func incremental() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let hasher = SHA256Hasher()
        for start in stride(from: 0, to: bytes.count, by: 777) {
            hasher.update(Array(bytes[start..<min(bytes.count, start + 777)]))
        }
        #expect(hasher.finish() == SHA256.hash(bytes))
        hasher.update(Array("abc".utf8))
        #expect(hasher.finish() == SHA256.hash("abc"))
        #expect(hasher.finish() == SHA256.hash(""))
    }
}
