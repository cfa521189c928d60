import DverCore
import DverRepository

extension Project {
    /// Whether `ancestor` is `commit` itself or reachable from it through parents (the merge
    /// driver's fast-forward test). Commits the store lacks end their branch of the walk.
    /// - Throws: store errors reading a commit.
    public func isAncestor(_ ancestor: ObjectID, of commit: ObjectID) throws -> Bool {
        var pending = [commit]
        var seen = Set<ObjectID>()
        while let id = pending.popLast() {
            if id == ancestor { return true }
            guard seen.insert(id).inserted, store.contains(id) else { continue }
            pending.append(contentsOf: try store.decodeCommit(id).parents)
        }
        return false
    }
}
