import DverCore
import Foundation

/// The `hex example=NAME` blocks of docs/FORMAT.md.
struct FormatDocument {
    struct Example {
        var name: String
        /// `key=value` words after the fence, e.g. `id`.
        var attributes: [String: String]
        var bytes: [UInt8]?
    }

    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/FORMAT.md").path

    var examples: [Example] = []

    /// Parses every block; a block whose text is not hex has `bytes == nil`.
    init(text: String) {
        var current: (header: [String: String], hex: String)?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if var block = current {
                if line.hasPrefix("```") {
                    examples.append(Example(name: block.header["example"] ?? "", attributes: block.header,
                                            bytes: HexCoding.decode(block.hex)))
                    current = nil
                } else {
                    let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                    block.hex += code.filter { !$0.isWhitespace }
                    current = block
                }
            } else if line.hasPrefix("```hex ") {
                var header = [String: String]()
                for word in line.dropFirst(7).split(separator: " ") {
                    let pair = word.split(separator: "=", maxSplits: 1)
                    if pair.count == 2 { header[String(pair[0])] = String(pair[1]) }
                }
                current = (header, "")
            }
        }
    }

    static func load() throws -> FormatDocument {
        FormatDocument(text: try String(contentsOfFile: path, encoding: .utf8))
    }
}
