import DverCore
import DverStore

/// One commit of one repo, read through an `ObjectReading` source: what `dver serve` answers a
/// request from and what `dver mount` shows. Every object is verified as it is read; nothing is
/// expanded beyond what a request needs.
public struct Snapshot: Sendable {
    public let source: any ObjectReading
    public let repo: String
    public let commitID: ObjectID
    public let commit: Commit

    /// Reads and decodes the commit; it must belong to `repo`.
    /// - Throws: `StoreError` when the commit is missing or damaged or belongs to another repo.
    public init(source: any ObjectReading, repo: String, commitID: ObjectID) throws {
        self.source = source
        self.repo = repo
        self.commitID = commitID
        commit = try Commit.decode(source.read(commitID, as: .commit))
        guard commit.repo == repo else {
            throw StoreError.corruptObject(commitID, reason: "it is a commit of repo '\(commit.repo)', not of '\(repo)'")
        }
    }

    /// The root directory as an entry (name "", size unknown: 0).
    public var rootEntry: TreeEntry { TreeEntry(name: "", kind: .directory, size: 0, id: commit.tree) }

    /// The entry at a repo-relative path ("" is the root); nil when nothing is there.
    /// - Throws: `AccessError.invalidPath` for a path with empty, `.` or `..` components (nothing
    ///   can name a place outside the repo), store errors.
    public func entry(at path: String) throws -> TreeEntry? {
        guard !path.isEmpty else { return rootEntry }
        do { try RepoPath.validate(path) } catch { throw AccessError.invalidPath(path, reason: error.reason) }
        var current = rootEntry
        for component in RepoPath.components(path) {
            guard current.kind == .directory, let next = try lookup(String(component), in: current.id) else { return nil }
            current = next
        }
        return current
    }

    /// The entry called `name` in a directory, descending only the tree nodes that can hold it.
    public func lookup(_ name: String, in directory: ObjectID) throws -> TreeEntry? {
        var id = directory
        for _ in 0...TreeNode.maximumLevel {
            switch try decodeTree(id).content {
            case .leaf(let entries):
                return entries.first { $0.name == name }
            case .interior(_, let children):
                guard let child = children.last(where: { !name.precedesInByteOrder($0.firstName) }) else { return nil }
                id = child.id
            }
        }
        throw StoreError.corruptObject(directory, reason: "tree nodes nested too deeply")
    }

    /// Every entry of one directory, in name order.
    /// - Parameter limit: the most entries read; a directory with more (or a tree whose shared
    ///   nodes expand past it: a node bomb) is refused before it fills memory.
    /// - Throws: `StoreError.corruptObject` when the names are not strictly sorted across nodes
    ///   or the nodes nest too deeply; `AccessError.invalidPath` past `limit`; store errors.
    public func entries(of directory: ObjectID, limit: Int = .max) throws -> [TreeEntry] {
        var result = [TreeEntry]()
        var pending: [(id: ObjectID, depth: Int)] = [(directory, 0)]
        while let (id, depth) = pending.popLast() {
            guard depth <= TreeNode.maximumLevel else { throw StoreError.corruptObject(directory, reason: "tree nodes nested too deeply") }
            switch try decodeTree(id).content {
            case .leaf(let entries):
                guard entries.count <= limit - result.count else {
                    throw AccessError.invalidPath("tree \(directory.hex)", reason: "the directory has more than \(limit) entries")
                }
                result.append(contentsOf: entries)
            case .interior(_, let children): pending.append(contentsOf: children.reversed().map { ($0.id, depth + 1) })
            }
        }
        for (previous, next) in zip(result, result.dropFirst()) where !previous.name.precedesInByteOrder(next.name) {
            throw StoreError.corruptObject(directory, reason: "names not strictly sorted at '\(next.name)'")
        }
        return result
    }

    /// The bytes of a file entry (a single chunk or a chunk list).
    public func content(of entry: TreeEntry) -> FileContent { FileContent(source: source, entry: entry) }

    private func decodeTree(_ id: ObjectID) throws -> TreeNode {
        try TreeNode.decode(source.read(id, as: .tree))
    }
}

extension CoreError {
    /// The reason alone, for errors that name the path themselves.
    var reason: String {
        if case .invalidPath(_, let reason) = self { return reason }
        return description
    }
}
