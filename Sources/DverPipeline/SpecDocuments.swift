import Foundation
import Yams

/// The pipeline documents of one spec file, as Pachyderm's `pachctl create pipeline -f` reads
/// them: YAML documents separated by `---`, or JSON objects one after another (with
/// whitespace or `---` lines between them). Each comes with the line it starts on, so errors name the file's
/// line, not the document's.
enum SpecDocuments {
    struct Document {
        var text: String
        /// 0-based line of the file where the document starts.
        var firstLine: Int

        /// A JSON document (Pachyderm's usual spec format).
        var isJSON: Bool {
            let first = text.drop { $0.isWhitespace }.first
            return first == "{" || first == "["
        }
    }

    /// - Throws: `PipelineError.invalidSpec` for JSON objects that never close.
    static func split(_ text: String, file: String) throws -> [Document] {
        let trimmed = text.drop { $0.isWhitespace }
        if trimmed.first == "{" { return try jsonObjects(text, file: file) }
        return yamlDocuments(text)
    }

    /// Top-level JSON objects, found by matching braces outside strings.
    private static func jsonObjects(_ text: String, file: String) throws -> [Document] {
        let bytes = Array(text.utf8)
        var documents = [Document]()
        var depth = 0
        var inString = false
        var escaped = false
        var start = 0
        var line = 0
        var startLine = 0
        for (position, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"):
                if depth == 0 { start = position; startLine = line }
                depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 {
                    documents.append(Document(text: String(decoding: bytes[start...position], as: UTF8.self), firstLine: startLine))
                } else if depth < 0 {
                    throw PipelineError.invalidSpec(file: file, line: line + 1, column: 1, problem: "a '}' closes nothing", hint: "check the JSON's braces")
                }
            case UInt8(ascii: "-") where depth == 0 && isSeparatorLine(bytes, at: position):
                continue  // `---` between objects (Pachyderm 2's JSON files are YAML streams)
            default:
                if depth == 0, !(byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) {
                    throw PipelineError.invalidSpec(file: file, line: line + 1, column: 1, problem: "text between JSON objects",
                                                    hint: "a JSON spec file holds pipeline objects one after another, nothing else")
                }
            }
        }
        if depth != 0 || inString {
            throw PipelineError.invalidSpec(file: file, line: startLine + 1, column: 1, problem: "a JSON object is not closed", hint: "check the JSON's braces and quotes")
        }
        return documents
    }

    /// Whether the line holding `position` is a `---` document separator.
    private static func isSeparatorLine(_ bytes: [UInt8], at position: Int) -> Bool {
        var start = position
        while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        var end = position
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let line = String(decoding: bytes[start..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return line == "---"
    }

    /// YAML documents: the text between `---` lines (a leading `---` and a trailing `...` are fine).
    private static func yamlDocuments(_ text: String) -> [Document] {
        var documents = [Document]()
        var current = [Substring]()
        var start = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func close() {
            let body = current.joined(separator: "\n")
            if !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, !body.split(separator: "\n").allSatisfy({ $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") || $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                documents.append(Document(text: body, firstLine: start))
            }
        }
        for (number, line) in lines.enumerated() {
            let bare = line.hasSuffix("\r") ? line.dropLast() : line
            if bare == "---" || bare.hasPrefix("--- ") || bare == "..." {
                close()
                current = []
                start = number + 1
            } else {
                current.append(line)
            }
        }
        close()
        return documents
    }
}
