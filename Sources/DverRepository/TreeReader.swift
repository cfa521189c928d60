import DverCore
import DverStore

/// Reads directory trees from the store.
public struct TreeReader: Sendable {
    public let store: ObjectStore

    public init(store: ObjectStore) { self.store = store }

    /// Every entry of one directory, in name order.
    public func entries(_ tree: ObjectID) throws -> [TreeEntry] {
        var result = [TreeEntry]()
        try collect(tree, into: &result, depth: 0)
        return result
    }

    private func collect(_ id: ObjectID, into result: inout [TreeEntry], depth: Int) throws {
        guard depth < 32 else { throw StoreError.corruptObject(id, reason: "tree nodes nested too deeply") }
        switch try store.decodeTree(id).content {
        case .leaf(let entries): result.append(contentsOf: entries)
        case .interior(_, let children):
            for child in children { try collect(child.id, into: &result, depth: depth + 1) }
        }
    }

    /// The entry called `name` in a directory, descending only the nodes that can hold it.
    public func lookup(_ name: String, in tree: ObjectID) throws -> TreeEntry? {
        var id = tree
        for _ in 0..<32 {
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
    public func files(_ tree: ObjectID, prefix: String = "") throws -> [(path: String, ref: FileRef)] {
        var result = [(path: String, ref: FileRef)]()
        try walk(tree, prefix: prefix, depth: 0) { path, entry in
            if entry.kind != .directory { result.append((path, FileRef(entry))) }
        }
        return result
    }

    /// Visits every entry beneath `tree` depth-first (directories before their contents).
    public func walk(_ tree: ObjectID, prefix: String = "", depth: Int = 0,
                     _ visit: (String, TreeEntry) throws -> Void) throws {
        guard depth < RepoPath.maximumDepth else {
            throw StoreError.corruptObject(tree, reason: "directories nested more than \(RepoPath.maximumDepth) deep")
        }
        for entry in try entries(tree) {
            let path = RepoPath.join(prefix, entry.name)
            try visit(path, entry)
            if entry.kind == .directory { try walk(entry.id, prefix: path, depth: depth + 1, visit) }
        }
    }
}
