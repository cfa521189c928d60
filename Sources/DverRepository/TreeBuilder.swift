import DverCore
import DverStore

/// Builds the tree nodes of a repo snapshot from a flat list of files.
public enum TreeBuilder {
    /// A file at a repo-relative path.
    public struct File: Sendable {
        public var path: String
        public var ref: FileRef
        public init(path: String, ref: FileRef) { self.path = path; self.ref = ref }
    }

    /// Stores every directory's nodes and returns the root tree id.
    /// - Throws: `CoreError.invalidPath` for a path that is also a directory of another path.
    public static func build(_ files: [File], writer: any ObjectSink) throws -> ObjectID {
        var items = files.map { (components: $0.path.split(separator: "/"), ref: $0.ref) }
        items.sort { lhs, rhs in
            for (left, right) in zip(lhs.components, rhs.components) where left != right {
                return left.utf8.lexicographicallyPrecedes(right.utf8)
            }
            return lhs.components.count < rhs.components.count
        }
        return try buildDirectory(items[...], depth: 0, writer: writer).id
    }

    private static func buildDirectory(_ items: ArraySlice<(components: [Substring], ref: FileRef)>, depth: Int,
                                       writer: any ObjectSink) throws -> (id: ObjectID, size: UInt64) {
        var entries = [TreeEntry]()
        var index = items.startIndex
        while index < items.endIndex {
            let item = items[index]
            let name = item.components[depth]
            if item.components.count == depth + 1 {
                if index + 1 < items.endIndex, items[index + 1].components.count > depth + 1,
                   items[index + 1].components[depth] == name {
                    throw CoreError.invalidPath(item.components.joined(separator: "/"), reason: "is both a file and a directory")
                }
                entries.append(TreeEntry(name: String(name), kind: item.ref.kind, chunked: item.ref.chunked,
                                         size: item.ref.size, id: item.ref.id))
                index += 1
                continue
            }
            var end = index
            while end < items.endIndex, items[end].components.count > depth + 1, items[end].components[depth] == name {
                end += 1
            }
            let child = try buildDirectory(items[index..<end], depth: depth + 1, writer: writer)
            entries.append(TreeEntry(name: String(name), kind: .directory, size: child.size, id: child.id))
            index = end
        }
        let size = entries.reduce(0) { $0 + $1.size }
        return (try writeDirectory(entries, writer: writer), size)
    }

    /// Splits one directory's sorted entries into nodes and stores them; returns the root node.
    public static func writeDirectory(_ entries: [TreeEntry], writer: any ObjectSink) throws -> ObjectID {
        let ends = NodeBoundary.split(count: entries.count, level: 0) { NodeBoundary.keyHash(entries[$0].name) }
        var children = [TreeNode.Child]()
        var start = 0
        for end in ends {
            let node = TreeNode(.leaf(Array(entries[start..<end])))
            let id = try writer.put(encoded: node.encoded(), kind: .tree)
            children.append(TreeNode.Child(firstName: entries.isEmpty ? "" : entries[start].name, id: id))
            start = end
        }
        var level = 1
        while children.count > 1 {
            let current = children
            let ends = NodeBoundary.split(count: current.count, level: level) { NodeBoundary.keyHash(current[$0].firstName) }
            var parents = [TreeNode.Child]()
            start = 0
            for end in ends {
                let node = TreeNode(.interior(level: level, Array(current[start..<end])))
                let id = try writer.put(encoded: node.encoded(), kind: .tree)
                parents.append(TreeNode.Child(firstName: current[start].firstName, id: id))
                start = end
            }
            children = parents
            level += 1
        }
        return children[0].id
    }
}
