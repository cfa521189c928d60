import DverCore
import DverRepository
import DverStore

/// Objects written straight into a store, without the checks `add` makes: how a hostile remote
/// or a damaged store could look. Entries are sorted by name bytes (decoders require it), sizes
/// are the real ones unless given.
enum Crafted {
    indirect enum Item {
        case file([UInt8])
        case symlink(String)
        case directory([(String, Item)])
        /// An entry as given: any kind, size and id.
        case raw(TreeEntry)
    }

    /// Stores `items` as a tree and returns its id and total size.
    static func tree(_ items: [(String, Item)], writer: ObjectWriter) throws -> (id: ObjectID, size: UInt64) {
        var entries = [TreeEntry]()
        for (name, item) in items.sorted(by: { $0.0.precedesInByteOrder($1.0) }) {
            switch item {
            case .file(let bytes):
                let id = SHA256.hash(bytes)
                _ = try writer.put(id, kind: .chunk, bytes: bytes)
                entries.append(TreeEntry(name: name, kind: .file, size: UInt64(bytes.count), id: id))
            case .symlink(let target):
                let bytes = Array(target.utf8)
                let id = SHA256.hash(bytes)
                _ = try writer.put(id, kind: .chunk, bytes: bytes)
                entries.append(TreeEntry(name: name, kind: .symlink, size: UInt64(bytes.count), id: id))
            case .directory(let children):
                let (id, size) = try tree(children, writer: writer)
                entries.append(TreeEntry(name: name, kind: .directory, size: size, id: id))
            case .raw(var entry):
                entry.name = name
                entries.append(entry)
            }
        }
        let node = TreeNode(.leaf(entries)).encoded()
        let id = SHA256.hash(node)
        _ = try writer.put(id, kind: .tree, bytes: node)
        return (id, entries.reduce(0) { $0 &+ $1.size })
    }

    /// Writes a commit of `tree` on top of the repo's branch head and moves the branch there.
    @discardableResult
    static func commit(_ project: Project, repo: String, branch: String = "main",
                       _ items: [(String, Item)]) throws -> ObjectID {
        let writer = project.makeWriter()
        let tree = try self.tree(items, writer: writer).id
        return try commit(project, repo: repo, branch: branch, tree: tree, writer: writer)
    }

    /// Writes a commit of an existing tree and moves the branch there.
    @discardableResult
    static func commit(_ project: Project, repo: String, branch: String = "main", tree: ObjectID,
                       writer: ObjectWriter? = nil) throws -> ObjectID {
        let writer = writer ?? project.makeWriter()
        let parent = try project.refs.read(repo: repo, branch: branch)
        let commit = Commit(repo: repo, tree: tree, parents: parent.map { [$0] } ?? [], time: 1_700_000_000_000_000_000,
                            author: "crafted", message: "crafted", commitSet: nil)
        let bytes = commit.encoded()
        let id = SHA256.hash(bytes)
        _ = try writer.put(id, kind: .commit, bytes: bytes)
        _ = try writer.finish()
        try project.store.reload()
        try project.refs.update(repo: repo, branch: branch, to: id, expected: parent)
        return id
    }

    /// A node bomb: `levels` directories, each holding `width` entries that all name the same
    /// directory below, ending in one file — `width^levels` files from `levels + 1` objects.
    static func bomb(levels: Int, width: Int, writer: ObjectWriter) throws -> ObjectID {
        var (id, size) = try tree([("f", .file(Array("boom\n".utf8)))], writer: writer)
        for _ in 0..<levels {
            let entries = (0..<width).map { (String(format: "d%04d", $0), Item.raw(TreeEntry(name: "", kind: .directory, size: size, id: id))) }
            (id, size) = try tree(entries, writer: writer)
        }
        return id
    }
}
