import DverCore
import DverStore
import DverSystem

/// What `dver checkout` did to one repo.
public struct CheckoutResult: Sendable {
    public var repo: String
    public var commit: ObjectID
    public var branch: String?
    public var written = 0
    public var removed = 0
    public var unchanged = 0
    public var bytesWritten: UInt64 = 0
}

extension Project {
    /// Checks out a revision of one repo: the workspace under its mount becomes byte-for-byte
    /// that commit's tree. Only files that differ are rewritten; tracked files absent from the
    /// target are removed; untracked files are kept.
    /// - Throws: `RepositoryError.uncommittedChanges` listing the files that would be lost,
    ///   unless `force`.
    public func checkout(_ spec: RevisionSpec, force: Bool) throws -> CheckoutResult {
        try withWorkspaceLock {
            let target = try resolve(spec)
            if try MergeState.load(layout).repos[target.repo.name] != nil { throw RepositoryError.mergeInProgress(repo: target.repo.name) }
            var workspace = try Workspace.load(self)
            let result = try workspace.checkout(target.repo, commit: target.commit, branch: target.branch, force: force)
            try workspace.save()
            return result
        }
    }

    /// Checks out every commit of a commit set (detached).
    public func checkout(commitSet record: CommitSetRecord, force: Bool) throws -> [CheckoutResult] {
        try withWorkspaceLock {
            if let merging = try MergeState.load(layout).repos.keys.sorted().first { throw RepositoryError.mergeInProgress(repo: merging) }
            var workspace = try Workspace.load(self)
            var results = [CheckoutResult]()
            for (name, hex) in record.commits.sorted(by: { $0.key < $1.key }) {
                guard let repo = workspace.registry.record(named: name) else { throw RepositoryError.unknownRepo(name) }
                guard let commit = ObjectID(hex: hex) else {
                    throw RepositoryError.unknownRevision(record.id, reason: "commit set lists a malformed id for '\(name)'")
                }
                results.append(try workspace.checkout(repo, commit: commit, branch: nil, force: force))
            }
            try workspace.save()
            return results
        }
    }
}

extension Workspace {
    mutating func checkout(_ repo: RepoRecord, commit: ObjectID, branch: String?, force: Bool) throws -> CheckoutResult {
        let status = try self.status(of: repo, progress: project.progress)
        if !status.leftovers.isEmpty {
            let files = try WorkspaceFiles(root: project.root)
            for path in status.leftovers { try files.removeFile(path) }
        }
        let interrupted = intent.repos[repo.name] != nil
        if !interrupted, index.bases[repo.name] == commit, status.staged.isEmpty, status.unstaged.isEmpty {
            // Already there (the common case for hooks): only the checked-out branch may change.
            var result = CheckoutResult(repo: repo.name, commit: commit, branch: branch)
            result.unchanged = index.range(under: repo.mount).count
            record(repo, commit: commit, branch: branch)
            return result
        }
        // Files that an interrupted checkout wrote, or had yet to overwrite, are not user edits.
        let switched = try interruptedSwitchPaths(repo, status: status)
        if !force, !interrupted, let base = index.bases[repo.name],
           let result = try checkoutChanges(repo, from: base, to: commit, branch: branch, status: status) {
            return result
        }
        let tree = try project.store.decodeCommit(commit).tree
        let reader = TreeReader(store: project.store)

        // What the workspace holds now, for every tracked path (nil = missing), and where each
        // tracked path sits in the index.
        let current = workspaceContent(of: repo, status: status)
        var positions = [String: Int]()
        for position in index.range(under: repo.mount) { positions[index.entries[position].path] = position }
        let dirty = Set(status.staged.map(\.path) + status.unstaged.filter { $0.new != nil }.map(\.path)).subtracting(switched)
        let untracked = status.untracked.filter { !switched.contains($0) }
        // The target's version of each path the workspace has now (a clone into an empty
        // workspace has none: no table of the whole target is built).
        var target = [String: FileRef]()
        if !current.isEmpty || !dirty.isEmpty || !switched.isEmpty {
            var wanted = dirty.union(switched)
            wanted.formUnion(current.keys)
            try reader.walk(tree, prefix: repo.mount) { path, entry in
                if entry.kind != .directory, wanted.contains(path) { target[path] = FileRef(entry) }
            }
        }
        // Uncommitted changes to paths the target leaves as they are in the checked-out commit
        // are carried over untouched, as git does (unless --force discards them).
        let carried = force ? [] : dirty.filter { path in
            let base = positions[path].flatMap { index.entries[$0].base }
            return FileRef.same(base, target[path])
        }

        if !force {
            var conflicts = [String]()
            for path in dirty.subtracting(carried) {
                let now = current[path] ?? nil
                let wanted = target[path]
                if let now, wanted.map({ !$0.sameContent(as: now) }) ?? true { conflicts.append(path) }
            }
            if !untracked.isEmpty {
                var incoming = Set<String>()
                try reader.walk(tree, prefix: repo.mount) { path, entry in
                    if entry.kind != .directory { incoming.insert(path) }
                }
                conflicts += Self.untrackedInTheWay(untracked, incoming: incoming)
            }
            if !conflicts.isEmpty {
                throw RepositoryError.uncommittedChanges(operation: "checkout", paths: conflicts.sorted { $0.precedesInByteOrder($1) })
            }
        }

        // The new entries, built straight from the tree walk (nothing written yet): a file the
        // workspace already holds keeps its entry, the others are to be written.
        var result = CheckoutResult(repo: repo.name, commit: commit, branch: branch)
        var entries = [IndexEntry]()
        for path in carried {
            guard let position = positions[path] else { continue }
            var entry = index.entries[position]
            entry.base = target[path]
            entries.append(entry)
            result.unchanged += 1
        }
        var writeSlots = [Int]()
        var symlinks = [(path: String, ref: FileRef)]()
        var totalBytes: UInt64 = 0
        try reader.walk(tree, prefix: repo.mount, sizing: { census in
            // Directories are counted too: a few more slots than needed.
            let files = Int(clamping: census.entries)
            entries.reserveCapacity(entries.count + files)
            // Into an empty workspace every file is written; otherwise usually few are.
            if current.isEmpty { writeSlots.reserveCapacity(files) }
        }) { path, entry in
            guard entry.kind != .directory, !carried.contains(path) else { return }
            let ref = FileRef(entry)
            if ref.kind == .symlink { symlinks.append((path, ref)) }
            if let now = current[path] ?? nil, now.sameContent(as: ref), !dirty.contains(path),
               let position = positions[path] {
                var kept = index.entries[position]
                kept.staged = ref
                kept.base = ref
                entries.append(kept)
                result.unchanged += 1
            } else {
                writeSlots.append(entries.count)
                entries.append(IndexEntry(path: path, staged: ref, base: ref, stat: .empty))
                totalBytes = totalBytes.addingSaturating(ref.size)
            }
            // Decoded tree nodes are freed between the paths the entries keep: hand the holes back.
            if entries.count % Self.restoreBatch == 0 { HeapMemory.releaseFreePages() }
        }

        let restorer = try FileRestorer(project: project, mounts: registry.repos.map(\.mount))
        try restorer.checkSymlinks(symlinks)
        // From here files change: a kill leaves a record that the next checkout recognizes.
        try recordIntent(repo, to: commit, branch: branch)
        // Files the interrupted checkout wrote that the target does not have.
        for path in status.untracked where switched.contains(path) && target[path] == nil {
            try restorer.files.removeFile(path)
            restorer.files.pruneEmptyDirectories(above: path, mount: repo.mount)
        }
        for (path, now) in current where target[path] == nil && !carried.contains(path) {
            if now != nil || FileSystem.exists(project.absolutePath(path)) {
                try restorer.files.removeFile(path)
                result.removed += 1
            }
            restorer.files.pruneEmptyDirectories(above: path, mount: repo.mount)
        }
        project.progress.start("checking out \(repo.name)", totalBytes: totalBytes, totalItems: writeSlots.count)
        // Written from the entries themselves (no second list of (path, version)), a batch at
        // a time so that the stat data waiting to be recorded stays small.
        for start in stride(from: 0, to: writeSlots.count, by: Self.restoreBatch) {
            let slots = Array(writeSlots[start..<min(start + Self.restoreBatch, writeSlots.count)])
            let statuses = try Self.restore(entries, at: slots, with: restorer)
            for (slot, stat) in zip(slots, statuses) { entries[slot].stat = stat }
        }
        project.progress.finish()
        result.written = writeSlots.count
        result.bytesWritten = totalBytes
        _ = try restorer.files.directory(repo.mount, create: true)
        index.replace(under: repo.mount, with: consume entries)
        index.bases[repo.name] = commit
        indexChanged = true
        record(repo, commit: commit, branch: branch)
        finishedCheckouts.insert(repo.name)
        return result
    }

    /// Files written per call of the restorer.
    private static let restoreBatch = 65536

    /// Writes the entries at `slots` (each holding the staged version to write), reading them
    /// where they are. `entries` is borrowed only for the call, so updating it afterwards copies
    /// nothing.
    private static func restore(_ entries: [IndexEntry], at slots: [Int], with restorer: FileRestorer) throws -> [StatCache] {
        try restorer.restore(count: slots.count) { item in
            let entry = entries[slots[item]]
            return (entry.path, entry.staged!)  // every slot was made with a staged version
        }
    }

    /// Records what a repo has checked out: a branch, or a detached commit.
    mutating func record(_ repo: RepoRecord, commit: ObjectID, branch: String?) {
        var record = repo
        record.branch = branch
        record.detachedCommit = branch == nil ? commit.hex : nil
        registry.update(record)
    }

    /// `a/b/c` → [`a`, `a/b`].
    static func ancestors(of path: String) -> [String] {
        var result = [String]()
        var parent = RepoPath.parent(path)
        while !parent.isEmpty {
            result.append(parent)
            parent = RepoPath.parent(parent)
        }
        return result
    }
}
