import DverCore
import Testing

@Suite("docs/FORMAT.md worked examples")
struct FormatDocumentTests {
    /// Checked by Tests/DverStoreTests/PackFormatDocumentTests.swift.
    static let storeExamples: Set<String> = ["pack-1", "index-1"]

    @Test("every example block is checked by a test, and every example object is documented")
    func coverage() throws {
        let names = try FormatDocument.load().examples.map(\.name)
        #expect(names.count == Set(names).count, "duplicate example names")
        #expect(Set(names) == Set(FormatExample.all.keys).union(Self.storeExamples))
    }

    @Test("the document's bytes are the encoder's bytes, and decode back", arguments: FormatExample.all.keys.sorted())
    func example(name: String) throws {
        let document = try FormatDocument.load()
        let block = try #require(document.examples.first { $0.name == name }, "no example=\(name) block")
        let documented = try #require(block.bytes, "example=\(name) is not valid hex")
        let object = try #require(FormatExample.all[name])
        let encoded = object.encoded
        #expect(documented == encoded, "example=\(name) should be:\n\(Self.dump(encoded))")
        #expect(try object.decodes(documented))
        if let id = block.attributes["id"] {
            #expect(SHA256.hash(documented).hex == id)
        }
    }

    @Test("the parser drops comments and whitespace")
    func parser() {
        let document = FormatDocument(text: "x\n```hex example=t id=ab\n0a 0B # c 0d\n\n  ff\n```\n```hex example=u\nzz\n```\n")
        #expect(document.examples.map(\.name) == ["t", "u"])
        #expect(document.examples.first?.bytes == [0x0a, 0x0b, 0xff])
        #expect(document.examples.first?.attributes["id"] == "ab")
        #expect(document.examples.last.map { $0.bytes == nil } == true)
    }

    static func dump(_ bytes: [UInt8]) -> String {
        stride(from: 0, to: bytes.count, by: 16).map { HexCoding.encode(bytes[$0..<min(bytes.count, $0 + 16)]) }
            .joined(separator: "\n")
    }
}
