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
            var workspace = try Workspace.load(self)
            let result = try workspace.checkout(target.repo, commit: target.commit, branch: target.branch, force: force)
            try workspace.save()
            return result
        }
    }

    /// Checks out every commit of a commit set (detached).
    public func checkout(commitSet record: CommitSetRecord, force: Bool) throws -> [CheckoutResult] {
        try withWorkspaceLock {
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
        let tree = try project.store.decodeCommit(commit).tree
        var target = [String: FileRef]()
        for file in try TreeReader(store: project.store).files(tree, prefix: repo.mount) { target[file.path] = file.ref }

        // What the workspace holds now, for every tracked path (nil = missing).
        var current = [String: FileRef?]()
        for position in index.range(under: repo.mount) where index.entries[position].staged != nil {
            current[index.entries[position].path] = index.entries[position].staged
        }
        for change in status.unstaged { current[change.path] = change.new }
        let dirty = Set(status.staged.map(\.path) + status.unstaged.filter { $0.new != nil }.map(\.path))
        // Uncommitted changes to paths the target leaves as they are in the checked-out commit
        // are carried over untouched, as git does (unless --force discards them).
        let carried = force ? [] : dirty.filter { path in
            let base = index.find(path).flatMap { index.entries[$0].base }
            return FileRef.same(base, target[path])
        }

        if !force {
            var conflicts = [String]()
            for path in dirty.subtracting(carried) {
                let now = current[path] ?? nil
                let wanted = target[path]
                if let now, wanted.map({ !$0.sameContent(as: now) }) ?? true { conflicts.append(path) }
            }
            let targetDirectories = Set(target.keys.flatMap { Self.ancestors(of: $0) })
            for path in status.untracked where target[path] != nil || targetDirectories.contains(path)
                || Self.ancestors(of: path).contains(where: { target[$0] != nil }) {
                conflicts.append(path)
            }
            if !conflicts.isEmpty {
                throw RepositoryError.uncommittedChanges(operation: "checkout", paths: conflicts.sorted { $0.precedesInByteOrder($1) })
            }
        }

        var result = CheckoutResult(repo: repo.name, commit: commit, branch: branch)
        var entries = [IndexEntry]()
        for path in carried {
            guard let position = index.find(path) else { continue }
            var entry = index.entries[position]
            entry.base = target[path]
            entries.append(entry)
            result.unchanged += 1
        }
        for (path, now) in current where target[path] == nil && !carried.contains(path) {
            if now != nil || FileSystem.exists(project.absolutePath(path)) {
                try FileSystem.removeIfExists(project.absolutePath(path))
                result.removed += 1
            }
            pruneEmptyDirectories(above: path, mount: repo.mount)
        }
        var toWrite = [(path: String, ref: FileRef)]()
        for (path, ref) in target where !carried.contains(path) {
            if let now = current[path] ?? nil, now.sameContent(as: ref), !dirty.contains(path),
               let position = index.find(path) {
                var entry = index.entries[position]
                entry.staged = ref
                entry.base = ref
                entries.append(entry)
                result.unchanged += 1
            } else {
                toWrite.append((project.absolutePath(path), ref))
            }
        }
        let totalBytes = toWrite.reduce(UInt64(0)) { $0 + $1.ref.size }
        project.progress.start("checking out \(repo.name)", totalBytes: totalBytes, totalItems: toWrite.count)
        let statuses = try FileRestorer(store: project.store, progress: project.progress).restore(toWrite)
        project.progress.finish()
        let prefixLength = project.root.utf8.count + 1
        for (file, stat) in zip(toWrite, statuses) {
            let path = String(file.path.utf8.dropFirst(prefixLength)) ?? file.path
            entries.append(IndexEntry(path: path, staged: file.ref, base: file.ref, stat: StatCache(stat)))
        }
        result.written = toWrite.count
        result.bytesWritten = totalBytes
        try FileSystem.createDirectories(project.absolutePath(repo.mount))
        index.replace(under: repo.mount, with: entries)
        index.bases[repo.name] = commit
        var record = repo
        record.branch = branch
        record.detachedCommit = branch == nil ? commit.hex : nil
        registry.update(record)
        return result
    }

    /// Removes directories left empty by a deletion, up to (not including) the mount.
    private func pruneEmptyDirectories(above path: String, mount: String) {
        var directory = RepoPath.parent(path)
        while RepoPath.isWithin(directory, mount), directory != mount,
              FileSystem.removeEmptyDirectory(project.absolutePath(directory)) {
            directory = RepoPath.parent(directory)
        }
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
