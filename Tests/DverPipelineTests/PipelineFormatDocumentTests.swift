@testable import DverPipeline
import Foundation
import Testing

/// The datum cache entry shown in docs/FORMAT.md ("Pipeline files") is what `DatumCache` reads
/// and writes, byte for byte.
@Suite("FORMAT.md: pipeline files")
struct PipelineFormatDocumentTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/FORMAT.md").path

    /// The indented block after the paragraph that opens with `heading`.
    static func example(after heading: String) throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasPrefix(heading) }, "no paragraph \(heading) in FORMAT.md")
        let block = lines[start...].drop { !$0.hasPrefix("    ") }.prefix { $0.hasPrefix("    ") }
        return block.map { String($0.dropFirst(4)) + "\n" }.joined()
    }

    @Test("the datum cache example decodes and encodes to the same text")
    func datumCacheEntry() throws {
        let text = try Self.example(after: "**`pipelines/datums/XX/REST`**")
        let result = try #require(DatumCache.decode(text), "FORMAT.md's cache entry does not parse:\n\(text)")
        #expect(result.job == "6b0d4b480a3cb9cf" && result.files.map(\.path) == ["a.txt"] && result.files[0].ref.kind == .file)
        #expect(DatumCache.encode(result) == text)
    }
}
