import DverCore
import Testing

// Short names for parameterized test arguments, so test logs stay readable.

extension Commit: CustomTestStringConvertible {
    public var testDescription: String {
        "commit of \(repo) with \(parents.count) parents, \(message.utf8.count)-byte message"
    }
}

extension ChunkListNode: CustomTestStringConvertible {
    public var testDescription: String { "chunk list node, level \(level), \(entries.count) entries" }
}

extension TreeNode: CustomTestStringConvertible {
    public var testDescription: String {
        switch content {
        case .leaf(let entries): "leaf tree node, \(entries.count) entries"
        case .interior(let level, let children): "interior tree node, level \(level), \(children.count) children"
        }
    }
}
