import DverCore
import DverStore

/// Walks commits, trees and chunk lists level by level, reading each object from the local
/// store or downloading it (a level's missing objects in one batch of parallel requests), and
/// downloads the chunks the local store lacks at the end. Each object must be of the kind
/// whatever names it expects (a branch head a commit, a commit's tree a tree, ...).
struct ObjectWalker {
    typealias Wanted = (id: ObjectID, kind: ObjectKind)

    let store: ObjectStore
    let downloader: ObjectDownloader
    /// Commits, trees and chunk lists reached.
    private var visited = Set<ObjectID>()
    /// Chunks reached by walks that did not fetch them, sorted, without duplicates.
    private var reachedChunks = [ObjectID]()

    init(store: ObjectStore, downloader: ObjectDownloader) {
        self.store = store
        self.downloader = downloader
    }

    /// Everything reachable from `roots` (commits, trees or chunk lists, of the kinds given),
    /// not descending into commits in `complete`.
    /// - Throws: `RemoteError` for missing or damaged remote objects, `StoreError.unexpectedKind`.
    mutating func walk(from roots: [Wanted], complete: Set<ObjectID> = [], fetchingChunks: Bool = true) throws {
        var frontier = roots.filter { visited.insert($0.id).inserted }
        // Chunks are not put in `visited`: a clone names millions, and a set of them cost more
        // memory than the list, which is sorted and deduplicated instead.
        var chunks = [Wanted]()
        while !frontier.isEmpty {
            let loaded = try load(frontier)
            var next = [Wanted]()
            func follow(_ id: ObjectID, _ kind: ObjectKind) { if visited.insert(id).inserted { next.append((id, kind)) } }
            func chunk(_ id: ObjectID) { if !fetchingChunks || !store.contains(id) { chunks.append((id, .chunk)) } }
            for (id, _) in frontier {
                guard let (kind, bytes) = loaded[id] else { continue }
                switch kind {
                case .commit:
                    let commit = try Commit.decode(bytes)
                    follow(commit.tree, .tree)
                    for parent in commit.parents where !complete.contains(parent) { follow(parent, .commit) }
                case .tree:
                    switch try TreeNode.decode(bytes).content {
                    case .interior(_, let children): children.forEach { follow($0.id, .tree) }
                    case .leaf(let entries):
                        for entry in entries {
                            if entry.kind == .directory {
                                follow(entry.id, .tree)
                            } else if entry.chunked {
                                follow(entry.id, .chunkList)
                            } else {
                                chunk(entry.id)
                            }
                        }
                    }
                case .chunkList:
                    let node = try ChunkListNode.decode(bytes)
                    for entry in node.entries { if node.level > 0 { follow(entry.id, .chunkList) } else { chunk(entry.id) } }
                case .chunk:
                    break
                }
            }
            frontier = next
        }
        chunks.sort { $0.id < $1.id }
        chunks.removeDuplicates { $0.id == $1.id }
        if fetchingChunks {
            var wanted = [Wanted]()
            swap(&wanted, &chunks)  // handed over whole: a clone's list of chunks is not held twice
            try downloader.fetch(consume wanted, keep: false)
        } else {
            reachedChunks.append(contentsOf: chunks.lazy.map(\.id))
            reachedChunks.sort()
            reachedChunks.removeDuplicates(by: ==)
        }
    }

    /// Every object the walks have reached: commits, trees, chunk lists, and the chunks of
    /// walks that did not fetch them.
    var reached: Set<ObjectID> { visited.union(reachedChunks) }

    /// The entry at `path` below the tree `root`, descending only the nodes that can hold it.
    mutating func entry(at path: String, root: ObjectID) throws -> TreeEntry? {
        var current = TreeEntry(name: "", kind: .directory, size: 0, id: root)
        for component in path.split(separator: "/").map(String.init) {
            guard current.kind == .directory else { return nil }
            var node = current.id
            var found: TreeEntry?
            for _ in 0..<32 {
                guard let (_, bytes) = try load([(node, .tree)])[node] else { return nil }
                switch try TreeNode.decode(bytes).content {
                case .leaf(let entries):
                    found = entries.first { $0.name == component }
                case .interior(_, let children):
                    guard let child = children.last(where: { !component.precedesInByteOrder($0.firstName) }) else { return nil }
                    node = child.id
                    continue
                }
                break
            }
            guard let found else { return nil }
            current = found
        }
        return current
    }

    /// One object of `kind`, from the local store or downloaded (and stored).
    /// - Throws: `RemoteError.missingRemoteObject` when neither has it.
    func object(_ id: ObjectID, kind: ObjectKind) throws -> [UInt8] {
        guard let found = try load([(id, kind)])[id] else { throw RemoteError.missingRemoteObject(id) }
        return found.1
    }

    /// Objects by id: from the local store when present, else downloaded (and stored).
    private func load(_ wanted: [Wanted]) throws -> [ObjectID: (ObjectKind, [UInt8])] {
        var result = [ObjectID: (ObjectKind, [UInt8])]()
        var remote = [Wanted]()
        for (id, kind) in wanted {
            guard store.contains(id) else {
                remote.append((id, kind))
                continue
            }
            let (actual, bytes) = try store.read(id)
            guard actual == kind else { throw StoreError.unexpectedKind(id, expected: kind, actual: actual) }
            result[id] = (actual, bytes)
        }
        if !remote.isEmpty { result.merge(try downloader.fetch(remote, keep: true)) { first, _ in first } }
        return result
    }
}
