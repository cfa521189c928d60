import DverCore
import DverStore
import DverSystem

/// What moving a branch to a fetched commit did.
public struct BranchUpdateResult: Sendable {
    public var repo: String
    public var branch: String
    public var previous: ObjectID?
    public var commit: ObjectID
    /// The checkout, when the branch is the one checked out in the workspace.
    public var checkout: CheckoutResult?
}

extension Project {
    /// Whether `descendant` is `ancestor` or reaches it through parents (any parent, not only the
    /// first). Unlike DverGit's `isAncestor`, a commit missing on the way is an error, not the end
    /// of that line: push and pull must not mistake a partial store for a diverged history.
    /// - Throws: `StoreError` when a commit on the way is missing or corrupt.
    public func descends(_ descendant: ObjectID, from ancestor: ObjectID) throws -> Bool {
        var pending = [descendant]
        var seen = Set<ObjectID>()
        while let id = pending.popLast() {
            if id == ancestor { return true }
            guard seen.insert(id).inserted else { continue }
            pending.append(contentsOf: try store.decodeCommit(id).parents)
        }
        return false
    }

    /// Moves a branch from `expected` to `commit`, whose objects must all be in the store (the
    /// caller decides whether the move is a fast-forward). When the branch is checked out, the
    /// workspace is made to match first: that refuses, before touching anything, to overwrite
    /// uncommitted changes (unless `force`). A repo that does not exist yet is created at
    /// `mount` with this branch checked out (used by clone and pull).
    /// - Throws: `RepositoryError.uncommittedChanges`, `StoreError.refConflict`.
    public func moveBranch(repo name: String, mount: String, branch: String, from expected: ObjectID?,
                           to commit: ObjectID, force: Bool = false) throws -> BranchUpdateResult {
        try withWorkspaceLock {
            var workspace = try Workspace.load(self)
            var result = BranchUpdateResult(repo: name, branch: branch, previous: expected, commit: commit)
            let record: RepoRecord
            if let existing = workspace.registry.record(named: name) {
                record = existing
            } else {
                record = try workspace.createRepo(name: name, mount: mount, branch: branch)
            }
            if record.branch == branch {
                if try MergeState.load(layout).repos[name] != nil { throw RepositoryError.mergeInProgress(repo: name) }
                result.checkout = try workspace.checkout(record, commit: commit, branch: branch, force: force)
            }
            try refs.update(repo: name, branch: branch, to: commit, expected: expected)
            try FileSystem.createDirectories(absolutePath(record.mount))
            try workspace.save()
            return result
        }
    }
}
