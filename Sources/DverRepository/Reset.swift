import DverCore
import DverStore
import DverSystem

/// What `dver reset` did.
public struct ResetResult: Sendable {
    public var repo: String
    public var branch: String?
    public var previous: ObjectID?
    public var commit: ObjectID
    /// `--hard`: the checkout that made the workspace match.
    public var checkout: CheckoutResult?
    /// Without `--hard`: files whose staged version went back to the new commit's (their
    /// workspace content is kept and now shows as not staged).
    public var unstaged = 0
}

extension Project {
    /// Moves the checked-out branch of a repo (or its detached commit) to a revision. Without
    /// `hard`, the workspace files are kept and the index is reset to the revision, so what
    /// differs shows as not staged (git's `reset --mixed`). With `hard`, the workspace is made
    /// to match the revision first, refusing — as checkout does — to overwrite uncommitted
    /// changes unless `force`; a merge in progress is given up.
    /// - Throws: `RepositoryError.uncommittedChanges`, `.mergeInProgress` (without `hard`),
    ///   `StoreError.refConflict`.
    public func reset(_ spec: RevisionSpec, hard: Bool, force: Bool = false) throws -> ResetResult {
        try withWorkspaceLock {
            let target = try resolve(spec).commit
            var workspace = try Workspace.load(self)
            guard let record = workspace.registry.record(named: spec.repo) else { throw RepositoryError.unknownRepo(spec.repo) }
            try workspace.ensureNoInterruptedCheckout(record)
            var merges = try MergeState.load(layout)
            if merges.repos[record.name] != nil, !hard { throw RepositoryError.mergeInProgress(repo: record.name) }
            let previous = try headCommit(of: record)
            var result = ResetResult(repo: record.name, branch: record.branch, previous: previous, commit: target)
            if hard {
                result.checkout = try workspace.checkout(record, commit: target, branch: record.branch, force: force || merges.repos[record.name] != nil)
                if let branch = record.branch { try refs.update(repo: record.name, branch: branch, to: target, expected: previous) }
                try workspace.save()
                if merges.repos[record.name] != nil {
                    merges.repos[record.name] = nil
                    try merges.save(layout, durable: writeSettings.durable)
                }
                return result
            }
            if let branch = record.branch {
                try refs.update(repo: record.name, branch: branch, to: target, expected: previous)
            } else {
                var moved = record
                moved.detachedCommit = target.hex
                workspace.registry.update(moved)
            }
            // The index now describes the target: staged versions go back to it; paths it lacks
            // become untracked (their files stay).
            try workspace.refreshBase(of: workspace.registry.record(named: record.name) ?? record)
            var entries = [IndexEntry]()
            for position in workspace.index.range(under: record.mount) {
                var entry = workspace.index.entries[position]
                guard let base = entry.base else {
                    result.unstaged += 1
                    continue
                }
                if !FileRef.same(entry.staged, base) {
                    entry.staged = base
                    entry.stat = .empty
                    result.unstaged += 1
                }
                entries.append(entry)
            }
            workspace.index.replace(under: record.mount, with: entries)
            workspace.indexChanged = true
            try workspace.save()
            return result
        }
    }

    /// Points a branch that is not checked out at a revision, creating it if needed
    /// (`dver branch -f`). The checked-out branch moves only with `reset`.
    /// - Throws: `RepositoryError.cannotDeleteCurrentBranch` (reworded by the CLI) for the
    ///   checked-out branch.
    @discardableResult
    public func forceBranch(_ name: String, repo repoName: String, at revision: String?) throws -> (previous: ObjectID?, info: BranchInfo) {
        try RefStore.validateBranchName(name)
        let record = try repo(named: repoName)
        if record.branch == name { throw RepositoryError.branchCheckedOut(repo: record.name, branch: name, operation: "move") }
        var spec = RevisionSpec(parsing: record.name)
        spec.revision = revision
        let commit = try resolve(spec).commit
        let previous = try refs.read(repo: record.name, branch: name)
        try refs.update(repo: record.name, branch: name, to: commit, expected: previous)
        return (previous, BranchInfo(name: name, commit: commit, isCurrent: false))
    }

    /// Renames a branch; the repo's record follows when it is the checked-out one.
    /// - Throws: `RepositoryError.unknownBranch`, `.branchExists`.
    public func renameBranch(_ old: String, to new: String, repo repoName: String) throws {
        try RefStore.validateBranchName(new)
        try withWorkspaceLock {
            var registry = try registry()
            guard var record = registry.record(named: repoName) else { throw RepositoryError.unknownRepo(repoName) }
            guard let commit = try refs.read(repo: record.name, branch: old) else { throw RepositoryError.unknownBranch(repo: record.name, branch: old) }
            if try refs.read(repo: record.name, branch: new) != nil { throw RepositoryError.branchExists(repo: record.name, branch: new) }
            try refs.update(repo: record.name, branch: new, to: commit, expected: nil)
            if record.branch == old {
                record.branch = new
                registry.update(record)
                try save(registry)
                var merges = try MergeState.load(layout)
                if merges.repos[record.name]?.branch == old {
                    merges.repos[record.name]?.branch = new
                    try merges.save(layout, durable: writeSettings.durable)
                }
            }
            try refs.delete(repo: record.name, branch: old, expected: commit)
        }
    }
}
