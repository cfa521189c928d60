import Foundation
import Testing

/// What the doc test runs as one shell session: the fixtures a block's `setup` names, the
/// block, and the `continue` blocks after it.
struct DocScript: Sendable, CustomTestStringConvertible {
    var fixtures: [DocFixture]
    var blocks: [DocBlock]

    var location: String { blocks[0].location }
    var testDescription: String {
        blocks.count == 1 ? location : "\(location) (+\(blocks.count - 1) continued)"
    }

    /// Commands the session calls that a machine may lack; without them it is not run, and a
    /// warning says so (as `.enabled(if:)` skips the suites that need them).
    var tools: Set<String> {
        var tools = Set(fixtures.flatMap(\.tools))
        let lines = blocks.flatMap(\.code)
        for tool in DocScript.gatedTools
        where lines.contains(where: { $0.range(of: #"(^|[;&|(]|\$\()\s*\#(tool) "#, options: .regularExpression) != nil }) {
            tools.insert(tool)
        }
        // `dver mount` needs FUSE: root and a usable /dev/fuse ("fuse" stands for both).
        if lines.contains(where: { $0.range(of: #"(^|[;&|(]|\$\()\s*dver mount "#, options: .regularExpression) != nil }) {
            tools.insert("fuse")
        }
        return tools
    }

    /// Tools recognized in the commands themselves (at the start of a command).
    static let gatedTools = ["git", "podman", "docker", "bwrap", "kubectl", "sbatch", "dot", "pre-commit"]

    /// Whether a command is on PATH ("fuse": whether FUSE mounts can be made).
    static func isInstalled(_ tool: String) -> Bool {
        if tool == "fuse" { return Mounts.isAvailable }
        return (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }
}

/// Every code block of README.md and docs/**/*.md, sorted into what runs and what does not.
struct DocumentationSet: Sendable {
    /// The package root (the directory holding Package.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    var blocks: [DocBlock] = []
    var scripts: [DocScript] = []
    var problems: [DocProblem] = []

    /// The Markdown files checked, relative to the package root.
    static func files() throws -> [String] {
        var files = ["README.md"]
        let docs = packageRoot.appendingPathComponent("docs")
        let walker = FileManager.default.enumerator(atPath: docs.path)
        while let relative = walker?.nextObject() as? String {
            if relative.hasSuffix(".md") { files.append("docs/" + relative) }
        }
        return files.sorted()
    }

    static func load() throws -> DocumentationSet {
        var set = DocumentationSet()
        for file in try files() {
            let text = try String(contentsOf: packageRoot.appendingPathComponent(file), encoding: .utf8)
            set.add(DocumentBlocks(text: text, file: file))
        }
        return set
    }

    /// The loaded set, or an empty one (the classification test reports why it failed).
    static let shared: Result<DocumentationSet, any Error> = Result { try load() }

    /// The scripts to run (none when the documents cannot be read; the classification test says why).
    static var scripts: [DocScript] { (try? shared.get().scripts) ?? [] }

    mutating func add(_ document: DocumentBlocks) {
        problems += document.problems
        var current: DocScript?
        for block in document.blocks {
            blocks.append(block)
            switch disposition(of: block) {
            case .start(let fixtures):
                if let finished = current { scripts.append(finished) }
                current = DocScript(fixtures: fixtures, blocks: [block])
            case .append:
                if current == nil {
                    problems.append(DocProblem(file: block.file, line: block.line, kind: .continueWithoutPredecessor))
                }
                current?.blocks.append(block)
            case .none:
                break
            }
        }
        if let finished = current { scripts.append(finished) }
    }

    private enum Disposition { case start([DocFixture]), append, none }

    private mutating func disposition(of block: DocBlock) -> Disposition {
        switch block.marker {
        case .run?: return .start([])
        case .setup(let names)?:
            var fixtures = [DocFixture]()
            for name in names {
                if let fixture = DocFixture.all.first(where: { $0.name == name }) {
                    fixtures.append(fixture)
                } else {
                    problems.append(DocProblem(file: block.file, line: block.line, kind: .unknownFixture(name)))
                }
            }
            return .start(fixtures)
        case .continue?: return .append
        case .skip?, .notShell?: return .none
        case nil:
            switch block.fencedLanguage {
            case "sh"?, "bash"?, "shell"?: return .start([])
            case let language? where !language.isEmpty: return .none
            default:
                problems.append(DocProblem(file: block.file, line: block.line, kind: .unmarked))
                return .none
            }
        }
    }
}
