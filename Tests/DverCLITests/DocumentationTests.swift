import Foundation
import Testing

/// Docs that run: every code block of README.md and docs/**/*.md is either a shell block this
/// suite runs, or marked as not run with the reason (README.md, "Docs are tested").
@Suite("docs: every shell block runs")
struct DocumentationTests {
    @Test("every code block is run, or marked with why not")
    func everyBlockIsAccountedFor() throws {
        let set = try DocumentationSet.shared.get()
        #expect(!set.blocks.isEmpty)
        for problem in set.problems {
            Issue.record(Comment(rawValue: problem.description), sourceLocation: Self.location(problem.file, problem.line))
        }
    }

    @Test("shell block runs", arguments: DocumentationSet.scripts)
    func runs(_ script: DocScript) throws {
        let missing = script.tools.filter { !DocScript.isInstalled($0) }.sorted()
        if !missing.isEmpty {
            // Not a failure, but not silent either (a cancelled case reads as passed).
            Issue.record("not run: needs \(missing.joined(separator: ", ")), which is not installed", severity: .warning,
                         sourceLocation: Self.location(script.blocks[0].file, script.blocks[0].line))
            return
        }
        try Self.check(script)
    }

    static func check(_ script: DocScript) throws {
        let runner = DocScriptRunner()
        let outcome = try runner.run(script)
        defer { runner.remove(outcome) }
        if ProcessInfo.processInfo.environment["DOC_TEST_PRINT"] != nil {
            print("=== \(script.testDescription): exit \(outcome.status)\n\(outcome.output)")
        }
        if outcome.status != 0 {
            let shown = script.blocks.map { "--- \($0.location)\n" + $0.code.joined(separator: "\n") }.joined(separator: "\n")
            Issue.record(Comment(rawValue: """
                the block at \(script.location) fails (exit \(outcome.status)\(outcome.status == 124 ? ", timed out" : ""))
                \(script.fixtures.isEmpty ? "" : "after fixtures \(script.fixtures.map(\.name).joined(separator: ", "))\n")\(shown)
                --- output
                \(outcome.output.suffix(6000))
                """), sourceLocation: failedLine(outcome.output) ?? location(script.blocks[0].file, script.blocks[0].line))
        }
    }

    /// Where the session's ERR trap said it stopped (`doc-test: docs/GIT.md:17: exit 1: …`),
    /// when that was in a document rather than a fixture.
    static func failedLine(_ output: String) -> SourceLocation? {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("doc-test: ") }) else { return nil }
        let fields = line.dropFirst("doc-test: ".count).split(separator: ":", maxSplits: 2)
        guard fields.count == 3, fields[0].hasSuffix(".md"), let number = Int(fields[1]) else { return nil }
        return location(String(fields[0]), number)
    }

    /// A source location in a document, so failures point at the doc line.
    static func location(_ file: String, _ line: Int) -> SourceLocation {
        SourceLocation(fileID: "dver/\(file)", filePath: DocumentationSet.packageRoot.appendingPathComponent(file).path,
                       line: line, column: 1)
    }
}
