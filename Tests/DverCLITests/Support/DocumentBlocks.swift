import Foundation

/// What a `<!-- doc-test: … -->` line before a code block says about it (README.md, "Docs are
/// tested", describes the convention).
enum DocMarker: Sendable, Equatable {
    /// Run the block in a fresh, empty directory.
    case run
    /// Run the named fixtures (`DocFixture`), then the block, in a fresh directory.
    case setup([String])
    /// Run the block after the previous runnable block of the same file, in the same shell
    /// state (directory, variables).
    case `continue`
    /// A shell block that is not run, with the reason.
    case skip(String)
    /// Not commands: file contents, output, a format layout; with what it is.
    case notShell(String)

    static let prefix = "<!-- doc-test:"

    /// Why a marker line does not parse.
    struct BadMarker: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// Parses a marker line; nil when the line is no marker, a message when it is a bad one.
    static func parse(_ line: Substring) -> Result<DocMarker, BadMarker>? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix(prefix) else { return nil }
        guard trimmed.hasSuffix("-->") else { return .failure(BadMarker("a marker is one line ending in '-->'")) }
        let body = trimmed.dropFirst(prefix.count).dropLast(3).trimmingCharacters(in: .whitespaces)
        let words = body.split(separator: " ", maxSplits: 1).map(String.init)
        let keyword = words.first ?? ""
        let rest = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
        switch keyword {
        case "run":
            return rest.isEmpty ? .success(.run) : .failure(BadMarker("'run' takes nothing; use 'setup NAME' for fixtures"))
        case "continue":
            return rest.isEmpty ? .success(.continue) : .failure(BadMarker("'continue' takes nothing"))
        case "setup":
            let names = rest.split(separator: " ").map(String.init)
            return names.isEmpty ? .failure(BadMarker("'setup' needs fixture names")) : .success(.setup(names))
        case "skip":
            return reason(rest).map { .success(.skip($0)) } ?? .failure(BadMarker("'skip' needs a reason in parentheses"))
        case "not":
            guard rest.hasPrefix("shell") else { break }
            let what = rest.dropFirst("shell".count).trimmingCharacters(in: .whitespaces)
            return reason(what).map { .success(.notShell($0)) }
                ?? .failure(BadMarker("'not shell' needs what the block is, in parentheses"))
        default:
            break
        }
        return .failure(BadMarker("unknown marker '\(body)'; use run, setup NAME…, continue, skip (why) or not shell (what)"))
    }

    /// The text between a leading "(" and a trailing ")", when it is not empty.
    private static func reason(_ text: String) -> String? {
        guard text.hasPrefix("("), text.hasSuffix(")") else { return nil }
        let inner = text.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        return inner.isEmpty ? nil : inner
    }
}

/// One code block of a Markdown file.
struct DocBlock: Sendable {
    /// The file, relative to the package root (`docs/GIT.md`).
    var file: String
    /// Line number (from 1) of the block's first line of code.
    var line: Int
    /// The code, with the block's indentation removed.
    var code: [String]
    /// The fence's info string (`yaml`, `hex example=…`); nil for an indented block.
    var fenceInfo: String?
    var marker: DocMarker?

    /// Shell blocks may be fenced as ```sh, ```bash or ```shell; any other language says the
    /// block is not shell. Indented blocks and bare fences say nothing.
    var fencedLanguage: String? {
        fenceInfo.flatMap { $0.split(separator: " ").first.map(String.init) }
    }

    var location: String { "\(file):\(line)" }
}

/// A block or marker the convention does not account for.
struct DocProblem: Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        case badMarker(String)
        case unmarked
        case orphanMarker
        case continueWithoutPredecessor
        case unknownFixture(String)
        case unclosedFence
    }

    var file: String
    var line: Int
    var kind: Kind

    var description: String {
        let text: String
        switch kind {
        case .badMarker(let why): text = "bad doc-test marker: \(why)"
        case .unmarked:
            text = "code block without a doc-test marker: put '<!-- doc-test: run -->' (or setup NAME, continue, "
                + "skip (why), not shell (what)) on the line before it, or fence it with its language"
        case .orphanMarker: text = "doc-test marker not followed by a code block"
        case .continueWithoutPredecessor: text = "'continue' block with no runnable block before it in this file"
        case .unknownFixture(let name): text = "unknown doc-test fixture '\(name)' (see DocFixture.all)"
        case .unclosedFence: text = "code fence is never closed"
        }
        return "\(file):\(line): \(text)"
    }
}

/// The code blocks of one Markdown text, each with the marker on the line before it.
///
/// A block is either fenced (a line starting with ``` or ~~~, after optional indentation, up
/// to the next such line) or indented: a run of lines indented by four or more spaces that
/// follows a blank line, a marker line or the start of the file (blank lines inside it
/// included when more indented lines follow). The indentation common to its lines is removed,
/// so blocks inside list items count too.
struct DocumentBlocks {
    var blocks: [DocBlock] = []
    var problems: [DocProblem] = []

    init(text: String, file: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var pending: (marker: DocMarker, line: Int)?
        var previousBlank = true
        var index = 0

        func isIndented(_ line: Substring) -> Bool {
            line.prefix { $0 == " " }.count >= 4 && !line.allSatisfy { $0 == " " }
        }
        func isBlank(_ line: Substring) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" } }
        func add(code: [Substring], at line: Int, fenceInfo: String?) {
            let indent = code.filter { !isBlank($0) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
            let stripped = code.map { isBlank($0) ? "" : String($0.dropFirst(indent)) }
            blocks.append(DocBlock(file: file, line: line, code: stripped, fenceInfo: fenceInfo, marker: pending?.marker))
            pending = nil
        }

        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let parsed = DocMarker.parse(line) {
                if let earlier = pending { problems.append(DocProblem(file: file, line: earlier.line, kind: .orphanMarker)) }
                switch parsed {
                case .success(let marker): pending = (marker, index + 1)
                case .failure(let bad): problems.append(DocProblem(file: file, line: index + 1, kind: .badMarker(bad.message))); pending = nil
                }
                previousBlank = true
                index += 1
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                let fence = String(trimmed.prefix(3))
                let info = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces)
                guard let close = lines[(index + 1)...].firstIndex(where: {
                    $0.trimmingCharacters(in: .whitespaces).hasPrefix(fence)
                }) else {
                    problems.append(DocProblem(file: file, line: index + 1, kind: .unclosedFence))
                    break
                }
                add(code: Array(lines[(index + 1)..<close]), at: index + 2, fenceInfo: info)
                index = close + 1
                previousBlank = false
                continue
            }
            if previousBlank && isIndented(line) {
                var end = index
                while end < lines.count {
                    if isIndented(lines[end]) {
                        end += 1
                    } else if isBlank(lines[end]), let next = lines[end...].firstIndex(where: { !isBlank($0) }),
                              isIndented(lines[next]) {
                        end = next
                    } else {
                        break
                    }
                }
                add(code: Array(lines[index..<end]), at: index + 1, fenceInfo: nil)
                index = end
                previousBlank = false
                continue
            }
            if !isBlank(line), let earlier = pending {
                problems.append(DocProblem(file: file, line: earlier.line, kind: .orphanMarker))
                pending = nil
            }
            previousBlank = isBlank(line)
            index += 1
        }
        if let earlier = pending { problems.append(DocProblem(file: file, line: earlier.line, kind: .orphanMarker)) }
    }
}
