import DverCore
import DverStore

/// A commit with its id.
public struct CommitInfo: Sendable {
    public var id: ObjectID
    public var commit: Commit
}

extension Project {
    /// The history of a revision, newest first: every commit reachable through any parent,
    /// each after all its children (commits of equal standing newest first), as `git log
    /// --date-order` lists them; with `firstParent`, only the first-parent line.
    public func log(_ spec: RevisionSpec, limit: Int? = nil, firstParent: Bool = false) throws -> [CommitInfo] {
        let record = try repo(named: spec.repo)
        if spec.revision == nil, try headCommit(of: record) == nil { return [] }
        let start = try resolve(spec).commit
        var result = [CommitInfo]()
        if firstParent {
            var next: ObjectID? = start
            var seen = Set<ObjectID>()
            while let id = next, limit.map({ result.count < $0 }) ?? true, seen.insert(id).inserted {
                let commit = try store.decodeCommit(id)
                result.append(CommitInfo(id: id, commit: commit))
                next = commit.parents.first
            }
            return result
        }
        // Every reachable commit, and how many children each has among them.
        var commits = [ObjectID: Commit]()
        var children = [ObjectID: Int]()
        var pending = [start]
        while let id = pending.popLast() {
            guard commits[id] == nil else { continue }
            let commit = try store.decodeCommit(id)
            commits[id] = commit
            for parent in Set(commit.parents) {
                children[parent, default: 0] += 1
                pending.append(parent)
            }
        }
        // Kahn's order, newest ready commit first.
        var ready = [start]
        while !ready.isEmpty, limit.map({ result.count < $0 }) ?? true {
            let position = ready.indices.max { (commits[ready[$0]]?.time ?? 0, ready[$0].hex) < (commits[ready[$1]]?.time ?? 0, ready[$1].hex) } ?? 0
            let id = ready.remove(at: position)
            guard let commit = commits[id] else { continue }
            result.append(CommitInfo(id: id, commit: commit))
            for parent in Set(commit.parents) {
                children[parent, default: 1] -= 1
                if children[parent] == 0 { ready.append(parent) }
            }
        }
        return result
    }

    /// The commits a repo's branches and remote-tracking refs point at, and its detached commit if any: the roots of
    /// its history (fsck walks the same roots but reports a damaged ref instead of throwing).
    func heads(of record: RepoRecord) throws -> [ObjectID] {
        var heads = try refs.branches(repo: record.name).compactMap { try refs.read(repo: record.name, branch: $0) }
        if let detached = record.detachedCommit.flatMap({ ObjectID(hex: $0) }) { heads.append(detached) }
        // Fetched remote branches keep their objects alive too (gc must not reclaim them).
        heads.append(contentsOf: try refs.remoteTrackingRefs(repo: record.name).map(\.commit))
        return heads
    }

    /// Every commit reachable from any branch or detached head of a repo.
    public func reachableCommits(of record: RepoRecord) throws -> [ObjectID] {
        var pending = try heads(of: record)
        var seen = Set<ObjectID>()
        var order = [ObjectID]()
        while let id = pending.popLast() {
            guard seen.insert(id).inserted else { continue }
            order.append(id)
            pending.append(contentsOf: try store.decodeCommit(id).parents)
        }
        return order
    }
}
