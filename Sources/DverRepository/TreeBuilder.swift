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

    /// Stores every directory's nodes and returns the root tree id. Each file's path is read
    /// from byte `prefixLength` on (so callers can pass project paths beneath a mount without
    /// building new strings); no per-file component arrays are made.
    /// - Throws: `CoreError.invalidPath` for a path that is also a directory of another path.
    public static func build<Files: RandomAccessCollection<File>>(_ files: Files, dropping prefixLength: Int = 0,
                                                                  writer: any ObjectSink) throws -> ObjectID where Files.Index == Int {
        // Tree order is component by component, which is byte order with '/' below every byte.
        let order = files.indices.sorted { treeOrderPrecedes(files[$0].path, files[$1].path, from: prefixLength) }
        return try buildDirectory(files, order[...], offset: prefixLength, writer: writer).id
    }

    /// Whether `lhs` precedes `rhs` in tree order, comparing from byte `offset`.
    private static func treeOrderPrecedes(_ lhs: String, _ rhs: String, from offset: Int) -> Bool {
        var lhs = lhs, rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                var position = offset
                while position < left.count, position < right.count {
                    let a = left[position] == 0x2F ? 0 : Int(left[position]) + 1
                    let b = right[position] == 0x2F ? 0 : Int(right[position]) + 1
                    if a != b { return a < b }
                    position += 1
                }
                return left.count < right.count
            }
        }
    }

    /// One directory: `order` lists its files (sorted), each path's name in this directory
    /// starting at byte `offset`.
    private static func buildDirectory<Files: RandomAccessCollection<File>>(_ files: Files, _ order: ArraySlice<Int>, offset: Int,
                                       writer: any ObjectSink) throws -> (id: ObjectID, size: UInt64) where Files.Index == Int {
        var entries = [TreeEntry]()
        var index = order.startIndex
        while index < order.endIndex {
            let file = files[order[index]]
            let (name, isLast) = component(of: file.path, from: offset)
            if isLast {
                if index + 1 < order.endIndex {
                    let (next, nextIsLast) = component(of: files[order[index + 1]].path, from: offset)
                    if !nextIsLast, next == name {
                        throw CoreError.invalidPath(String(file.path.utf8.dropFirst(offset)) ?? file.path, reason: "is both a file and a directory")
                    }
                }
                entries.append(TreeEntry(name: String(name), kind: file.ref.kind, chunked: file.ref.chunked,
                                         size: file.ref.size, id: file.ref.id))
                index += 1
                continue
            }
            var end = index
            while end < order.endIndex {
                let (next, nextIsLast) = component(of: files[order[end]].path, from: offset)
                guard !nextIsLast, next == name else { break }
                end += 1
            }
            let child = try buildDirectory(files, order[index..<end], offset: offset + name.utf8.count + 1, writer: writer)
            entries.append(TreeEntry(name: String(name), kind: .directory, size: child.size, id: child.id))
            index = end
        }
        let size = entries.reduce(0) { $0 + $1.size }
        return (try writeDirectory(entries, writer: writer), size)
    }

    /// The path component starting at byte `offset`, and whether it is the last one.
    private static func component(of path: String, from offset: Int) -> (name: Substring, isLast: Bool) {
        let utf8 = path.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: offset)
        guard let slash = utf8[start...].firstIndex(of: 0x2F) else { return (path[start...], true) }
        return (path[start..<slash], false)
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
