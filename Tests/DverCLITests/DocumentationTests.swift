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

    @Test("shell block runs", arguments: DocumentationSet.scripts(needing: nil))
    func runs(_ script: DocScript) throws {
        try Self.check(script)
    }

    @Test("shell block with git runs", .enabled(if: gitIsInstalled, "git is not installed"),
          arguments: DocumentationSet.scripts(needing: "git"))
    func runsWithGit(_ script: DocScript) throws {
        try Self.check(script)
    }

    static func check(_ script: DocScript) throws {
        let runner = DocScriptRunner()
        let outcome = try runner.run(script)
        defer { runner.remove(outcome) }
        if outcome.status != 0 {
            let shown = script.blocks.map { "--- \($0.location)\n" + $0.code.joined(separator: "\n") }.joined(separator: "\n")
            Issue.record(Comment(rawValue: """
                the block at \(script.location) fails (exit \(outcome.status)\(outcome.status == 124 ? ", timed out" : ""))
                \(script.fixtures.isEmpty ? "" : "after fixtures \(script.fixtures.map(\.name).joined(separator: ", "))\n")\(shown)
                --- output
                \(outcome.output.suffix(6000))
                """), sourceLocation: location(script.blocks[0].file, script.blocks[0].line))
        }
    }

    /// A source location in a document, so failures point at the doc line.
    static func location(_ file: String, _ line: Int) -> SourceLocation {
        SourceLocation(fileID: "dver/\(file)", filePath: DocumentationSet.packageRoot.appendingPathComponent(file).path,
                       line: line, column: 1)
    }
}
