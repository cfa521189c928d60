import DverCore
import DverStore
import DverSystem

/// Checkout of a clean workspace by the difference between two commits: only subtrees whose
/// ids differ are read, only changed files are touched, and the index is patched in one pass.
/// This is what a git hook restoring a few changed files in a large repo hits; reading the
/// whole target tree (the general path in Checkout.swift) costs O(files in the repo).
extension Workspace {
    /// Above this share of the repo's files changing, the general checkout (one pass over the
    /// target tree) is as cheap and is used instead.
    static let changedShareLimit = 8

    /// Checks out `commit` by applying its difference from the checked-out `base`, or returns
    /// nil when that does not apply (uncommitted changes to carry or check, or too many changes).
    /// - Throws: `RepositoryError.uncommittedChanges` when an untracked file is in the way.
    mutating func checkoutChanges(_ repo: RepoRecord, from base: ObjectID, to commit: ObjectID, branch: String?,
                                  status: RepoStatus) throws -> CheckoutResult? {
        guard status.staged.isEmpty, status.unstaged.isEmpty else { return nil }
        let range = index.range(under: repo.mount)
        let changes = try project.diffTrees(try project.store.decodeCommit(base).tree,
                                            try project.store.decodeCommit(commit).tree, prefix: repo.mount)
        guard changes.count <= max(64, range.count / Self.changedShareLimit) else { return nil }
        let conflicts = Self.untrackedInTheWay(status.untracked, incoming: Set(changes.compactMap { $0.new == nil ? nil : $0.path }))
        if !conflicts.isEmpty { throw RepositoryError.uncommittedChanges(operation: "checkout", paths: conflicts) }
        let restorer = try FileRestorer(project: project, mounts: registry.repos.map(\.mount))
        try restorer.checkSymlinks(changes.compactMap { change in change.new.map { (path: change.path, ref: $0) } }
            .filter { $0.ref.kind == .symlink })
        try recordIntent(repo, to: commit, branch: branch)

        var result = CheckoutResult(repo: repo.name, commit: commit, branch: branch)
        for change in changes where change.new == nil {
            try restorer.files.removeFile(change.path)
            result.removed += 1
            restorer.files.pruneEmptyDirectories(above: change.path, mount: repo.mount)
        }
        let writes = changes.compactMap { change in change.new.map { (path: change.path, ref: $0) } }
        let totalBytes = writes.reduce(UInt64(0)) { $0.addingSaturating($1.ref.size) }
        project.progress.start("checking out \(repo.name)", totalBytes: totalBytes, totalItems: writes.count)
        let statuses = try restorer.restore(writes)
        project.progress.finish()
        _ = try restorer.files.directory(repo.mount, create: true)

        let written = zip(writes, statuses).map { write, stat in
            IndexEntry(path: write.path, staged: write.ref, base: write.ref, stat: stat)
        }
        patchIndex(range, removing: changes.filter { $0.new == nil }.map(\.path), writing: written)
        result.written = writes.count
        result.bytesWritten = totalBytes
        result.unchanged = range.count - changes.filter { $0.old != nil }.count
        index.bases[repo.name] = commit
        indexChanged = true
        record(repo, commit: commit, branch: branch)
        finishedCheckouts.insert(repo.name)
        return result
    }

    /// The untracked files a checkout writing `incoming` paths would overwrite or be blocked
    /// by: one at an incoming file, under a path that becomes a file, or at a path that
    /// becomes a directory.
    static func untrackedInTheWay(_ untracked: [String], incoming: Set<String>) -> [String] {
        guard !untracked.isEmpty else { return [] }
        let incomingDirectories = Set(incoming.flatMap { ancestors(of: $0) })
        return untracked.filter { path in
            incoming.contains(path) || incomingDirectories.contains(path)
                || ancestors(of: path).contains(where: incoming.contains)
        }
    }

    /// Replaces, inserts and deletes entries within `range` (sorted) in one merge pass.
    private mutating func patchIndex(_ range: Range<Int>, removing removed: [String], writing written: [IndexEntry]) {
        var replaced = Set<Int>(minimumCapacity: removed.count + written.count)
        var updates = [Int: IndexEntry]()
        var inserted = [IndexEntry]()
        for path in removed { if let position = index.find(path) { replaced.insert(position) } }
        for entry in written {
            if let position = index.find(entry.path) { updates[position] = entry } else { inserted.append(entry) }
        }
        inserted.sort { $0.path.precedesInByteOrder($1.path) }
        var merged = [IndexEntry]()
        merged.reserveCapacity(range.count + inserted.count)
        var next = inserted.startIndex
        for position in range {
            let entry = updates[position] ?? index.entries[position]
            while next < inserted.endIndex, inserted[next].path.precedesInByteOrder(entry.path) {
                merged.append(inserted[next])
                next += 1
            }
            if !replaced.contains(position) { merged.append(entry) }
        }
        merged.append(contentsOf: inserted[next...])
        index.entries.replaceSubrange(range, with: merged)
    }
}
