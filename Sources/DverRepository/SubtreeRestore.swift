import DverCore
import DverStore
import DverSystem

extension Project {
    /// Writes the files under the repo-relative `path` of `commit` into the repo's workspace,
    /// reading only the tree nodes on the way to `path` and beneath it — so a store holding just
    /// those objects suffices (a partial pull). The index and refs are left alone: the files
    /// show in `status` as changes against the checked-out commit.
    /// - Returns: the project-relative paths written.
    /// - Throws: `RepositoryError.uncommittedChanges` naming modified or untracked files under
    ///   `path` (unless `force`), `.pathNotFound` when the commit has nothing at `path`.
    public func restoreSubtree(repo name: String, commit: ObjectID, path: String, force: Bool) throws -> [String] {
        try withWorkspaceLock {
            var workspace = try Workspace.load(self)
            guard let record = workspace.registry.record(named: name) else { throw RepositoryError.unknownRepo(name) }
            let reader = TreeReader(store: store)
            guard let entry = try reader.entry(at: path, root: try store.decodeCommit(commit).tree) else {
                throw RepositoryError.pathNotFound("\(name)@\(commit.shortHex()):\(path)")
            }
            let prefix = RepoPath.join(record.mount, path)
            let files = entry.kind == .directory ? try reader.files(entry.id, prefix: prefix) : [(path: prefix, ref: FileRef(entry))]
            if !force {
                let status = try workspace.status(of: record, progress: progress)
                // Files present in the workspace with uncommitted content; deleted ones are restored.
                let changed = (status.staged + status.unstaged).filter { $0.new != nil }.map(\.path)
                let dirty = Set(changed + status.untracked).filter { FileSystem.exists(absolutePath($0)) }
                let conflicts = files.filter { dirty.contains($0.path) && !holds($0.path, $0.ref) }.map(\.path)
                if !conflicts.isEmpty {
                    throw RepositoryError.uncommittedChanges(operation: "pull", paths: conflicts.sorted { $0.precedesInByteOrder($1) })
                }
            }
            let total = files.reduce(UInt64(0)) { $0.addingSaturating($1.ref.size) }
            progress.start("writing \(prefix)", totalBytes: total, totalItems: files.count)
            _ = try FileRestorer(project: self, mounts: workspace.registry.repos.map(\.mount)).restore(files)
            progress.finish()
            return files.map(\.path)
        }
    }

    /// Whether the workspace file at `path` already holds `ref`'s content (single-chunk files,
    /// whose id is the file's SHA-256; larger files are not compared and count as different).
    private func holds(_ path: String, _ ref: FileRef) -> Bool {
        guard ref.kind.isFile, !ref.chunked, let status = try? FileSystem.linkStatus(absolutePath(path)),
              status.kind == .regular, UInt64(status.size) == ref.size,
              let bytes = try? FileSystem.readFile(absolutePath(path)) else { return false }
        return SHA256.hash(bytes) == ref.id
    }
}
