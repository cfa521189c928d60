import DverCore
import DverStore

/// Reads directory trees from the store.
public struct TreeReader: Sendable {
    public let store: ObjectStore

    public init(store: ObjectStore) { self.store = store }

    /// Every entry of one directory, in name order.
    /// - Throws: `StoreError.corruptObject` when the directory's nodes are not in strict byte
    ///   order across node boundaries, or two names differ only in Unicode normalization (see
    ///   `UnicodeNames.equivalentPair`); store errors.
    public func entries(_ tree: ObjectID) throws -> [TreeEntry] {
        var result = [TreeEntry]()
        try collect(tree, into: &result, depth: 0)
        for (previous, next) in zip(result, result.dropFirst()) where !previous.name.precedesInByteOrder(next.name) {
            throw StoreError.corruptObject(tree, reason: "names not strictly sorted at '\(next.name)'")
        }
        if let (first, second) = UnicodeNames.equivalentPair(result.lazy.map(\.name)) {
            throw StoreError.corruptObject(tree, reason: "names '\(first)' and '\(second)' differ only in Unicode normalization")
        }
        return result
    }

    private func collect(_ id: ObjectID, into result: inout [TreeEntry], depth: Int) throws {
        guard depth <= TreeNode.maximumLevel else { throw StoreError.corruptObject(id, reason: "tree nodes nested too deeply") }
        switch try store.decodeTree(id).content {
        case .leaf(let entries): result.append(contentsOf: entries)
        case .interior(_, let children):
            for child in children { try collect(child.id, into: &result, depth: depth + 1) }
        }
    }

    /// The entry called `name` in a directory, descending only the nodes that can hold it.
    public func lookup(_ name: String, in tree: ObjectID) throws -> TreeEntry? {
        var id = tree
        for _ in 0...TreeNode.maximumLevel {
            switch try store.decodeTree(id).content {
            case .leaf(let entries):
                return entries.first { $0.name == name }
            case .interior(_, let children):
                guard let child = children.last(where: { !name.precedesInByteOrder($0.firstName) }) else { return nil }
                id = child.id
            }
        }
        throw StoreError.corruptObject(tree, reason: "tree nodes nested too deeply")
    }

    /// The entry at a repo-relative path; "" gives a directory entry for the root.
    public func entry(at path: String, root: ObjectID) throws -> TreeEntry? {
        var current = TreeEntry(name: "", kind: .directory, size: 0, id: root)
        for component in RepoPath.components(path) {
            guard current.kind == .directory, let next = try lookup(String(component), in: current.id) else { return nil }
            current = next
        }
        return current
    }

    /// Every non-directory entry beneath `tree`, with paths joined onto `prefix`, in tree order.
    /// - Throws: `RepositoryError.treeTooLarge` (see `census`), store errors.
    public func files(_ tree: ObjectID, prefix: String = "") throws -> [(path: String, ref: FileRef)] {
        var result = [(path: String, ref: FileRef)]()
        try walk(tree, prefix: prefix, sizing: { result.reserveCapacity(Int(clamping: $0.entries)) }) { path, entry in
            if entry.kind != .directory { result.append((path, FileRef(entry))) }
        }
        return result
    }

    /// Visits every entry beneath `tree` depth-first (directories before their contents), after
    /// its census has shown that the tree is within the limits.
    /// - Throws: `RepositoryError.treeTooLarge`, store errors, or what `visit` throws.
    public func walk(_ tree: ObjectID, prefix: String = "", _ visit: (String, TreeEntry) throws -> Void) throws {
        try walk(tree, prefix: prefix, sizing: { _ in }, visit)
    }

    /// Like `walk`, first handing the census to `sizing`, so that the caller can size what it
    /// collects (an array grown by doubling holds both copies at each step: at millions of files
    /// that was more than the entries themselves).
    public func walk(_ tree: ObjectID, prefix: String = "", sizing: (TreeCensus) -> Void,
                     _ visit: (String, TreeEntry) throws -> Void) throws {
        sizing(try census(tree))
        try walkCensused(tree, prefix: prefix, depth: 0, visit)
    }

    private func walkCensused(_ tree: ObjectID, prefix: String, depth: Int, _ visit: (String, TreeEntry) throws -> Void) throws {
        guard depth < RepoPath.maximumDepth else {
            throw StoreError.corruptObject(tree, reason: "directories nested more than \(RepoPath.maximumDepth) deep")
        }
        for entry in try entries(tree) {
            let path = RepoPath.join(prefix, entry.name)
            try visit(path, entry)
            if entry.kind == .directory { try walkCensused(entry.id, prefix: path, depth: depth + 1, visit) }
        }
    }
}
