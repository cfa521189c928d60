import DverCore
import DverStore

/// Every object in the packs a remote index lists, looked up through their pack indexes.
/// Invariant of a remote (docs/REMOTES.md): an object in a listed pack has everything it
/// references in listed packs too, so a walk may stop at any object found here.
struct RemoteObjectSet: Sendable {
    /// A listed pack and its (verified) index.
    struct Pack: Sendable {
        var record: RemotePackRecord
        var index: PackIndex
    }

    let packs: [Pack]

    init(records: [RemotePackRecord], indexes: [PackIndex]) {
        packs = zip(records, indexes).map { Pack(record: $0.0, index: $0.1) }
    }

    func contains(_ id: ObjectID) -> Bool { locate(id) != nil }

    func locate(_ id: ObjectID) -> (pack: Pack, entry: PackEntry)? {
        for pack in packs.reversed() {
            if let entry = pack.index.find(id) { return (pack, entry) }
        }
        return nil
    }
}

/// The objects reachable from some commits that a remote lacks, found by walking commits,
/// trees and chunk lists from the local store and stopping at anything the remote has.
struct MissingObjects {
    /// Chunks: leaves, safe to publish on the remote before anything that references them.
    var chunks: [ObjectID] = []
    /// Commits, trees and chunk lists: published together with the refs, last.
    var metadata: [ObjectID] = []

    init(from heads: [ObjectID], store: ObjectStore, skip: (ObjectID) -> Bool) throws {
        var visited = Set<ObjectID>()
        var commits = heads
        func visit(_ id: ObjectID) -> Bool { !skip(id) && visited.insert(id).inserted }
        func markList(_ id: ObjectID) throws {
            guard visit(id) else { return }
            metadata.append(id)
            let node = try store.decodeChunkList(id)
            for entry in node.entries {
                if node.level > 0 { try markList(entry.id) } else if visit(entry.id) { chunks.append(entry.id) }
            }
        }
        func markTree(_ id: ObjectID) throws {
            guard visit(id) else { return }
            metadata.append(id)
            switch try store.decodeTree(id).content {
            case .interior(_, let children):
                for child in children { try markTree(child.id) }
            case .leaf(let entries):
                for entry in entries {
                    if entry.kind == .directory {
                        try markTree(entry.id)
                    } else if entry.chunked {
                        try markList(entry.id)
                    } else if visit(entry.id) {
                        chunks.append(entry.id)
                    }
                }
            }
        }
        while let id = commits.popLast() {
            guard visit(id) else { continue }
            metadata.append(id)
            let commit = try store.decodeCommit(id)
            try markTree(commit.tree)
            commits.append(contentsOf: commit.parents)
        }
    }
}
