import DverCore
import DverStore
import DverSystem
import Foundation
import Testing

/// Checks the `pack-1` and `index-1` worked examples of docs/FORMAT.md against real files.
@Suite("docs/FORMAT.md pack examples")
struct PackFormatDocumentTests {
    static let documentPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/FORMAT.md").path

    /// (attributes, bytes) of the block `example=name`; `#` starts a comment.
    static func example(_ name: String) throws -> (attributes: [String: String], bytes: [UInt8]) {
        let text = try String(contentsOfFile: documentPath, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix("```hex ") && $0.split(separator: " ").contains("example=\(name)") })
        var attributes = [String: String]()
        for word in lines[start].split(separator: " ").dropFirst() {
            let pair = word.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { attributes[String(pair[0])] = String(pair[1]) }
        }
        var hex = ""
        for line in lines[(start + 1)...] {
            if line.hasPrefix("```") { break }
            hex += (line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").filter { !$0.isWhitespace }
        }
        return (attributes, try #require(HexCoding.decode(hex), "example=\(name) is not hex"))
    }

    @Test("a raw pack of the chunk \"x\\n\" and the tree tree-leaf-sub matches pack-1 and index-1")
    func packAndIndex() throws {
        let fixture = try TemporaryStore()
        let subdirectory = TreeNode(.leaf([TreeEntry(name: "x.txt", kind: .file, size: 2, id: SHA256.hash("x\n"))]))
        try fixture.write([.chunk("x\n"), StoredObject(kind: .tree, bytes: subdirectory.encoded())], codec: .zstd)

        for (example, suffix) in [("pack-1", ".pack"), ("index-1", ".idx")] {
            let documented = try Self.example(example)
            let file = try #require(try fixture.packFiles(suffix).first)
            #expect(documented.attributes["file"] == file)
            let actual = try FileSystem.readFile(fixture.packPath(file))
            #expect(actual == documented.bytes, "\(example) should be \(HexCoding.encode(actual))")
        }
    }
}
