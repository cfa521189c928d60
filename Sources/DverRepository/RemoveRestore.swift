import Foundation
import DverCore
import DverStore
import DverSystem

extension Project {
    /// Untracks files (staged as deleted); also deletes them from the workspace unless `keepFiles`.
    /// - Throws: `RepositoryError.uncommittedChanges` for files whose workspace content differs
    ///   from the index, unless `force`.
    /// - Returns: the untracked project-relative paths.
    public func remove(_ paths: [String], keepFiles: Bool, force: Bool) throws -> [String] {
        try withWorkspaceLock {
            var workspace = try Workspace.load(self)
            var removed = [String]()
            for path in paths {
                guard let repo = workspace.registry.record(containing: path) else { throw RepositoryError.notInAnyRepo(path) }
                let status = try workspace.cachedStatus(of: repo, progress: progress)
                let dirty = Set(status.unstaged.filter { $0.new != nil }.map(\.path))
                var positions = Array(workspace.index.range(under: path))
                if let exact = workspace.index.find(path) { positions.append(exact) }
                positions = positions.filter { workspace.index.entries[$0].staged != nil }
                if positions.isEmpty { throw RepositoryError.pathNotFound("\(path) (not tracked)") }
                let lost = positions.map { workspace.index.entries[$0].path }.filter { dirty.contains($0) }
                if !keepFiles, !force, !lost.isEmpty {
                    throw RepositoryError.uncommittedChanges(operation: "rm", paths: lost)
                }
                let files = try WorkspaceFiles(root: root)
                for position in positions {
                    let entryPath = workspace.index.entries[position].path
                    workspace.index.entries[position].staged = nil
                    if !keepFiles { try files.removeFile(entryPath) }
                    removed.append(entryPath)
                }
                workspace.index.entries.removeAll { $0.staged == nil && $0.base == nil }
            }
            try workspace.save()
            try markResolved(paths)
            return removed.sorted { $0.precedesInByteOrder($1) }
        }
    }

    /// Restores workspace files from the index (default) or from a revision's tree (`source`),
    /// or with `unstage` resets the index to the checked-out commit, leaving files alone.
    /// - Returns: the restored project-relative paths.
    /// `restore --staged` of the project root ("") also rebuilds a damaged index: the damaged
    /// file is kept as `.dver/index.damaged-<seconds>` and a new one is made from the branch heads.
    public func restore(_ paths: [String], source: RevisionSpec? = nil, unstage: Bool = false) throws -> [String] {
        try withWorkspaceLock {
            if unstage, paths.contains("") { try setAsideDamagedIndex() }
            var workspace = try Workspace.load(self)
            var restored = [(path: String, ref: FileRef)]()
            var touched = [String]()
            // The project root stands for every repo.
            let expanded = paths.flatMap { $0.isEmpty ? workspace.registry.repos.map(\.mount) : [$0] }
            for path in expanded {
                guard let repo = workspace.registry.record(containing: path) else { throw RepositoryError.notInAnyRepo(path) }
                var versions = [String: FileRef]()
                if let source {
                    var spec = source
                    spec.repo = repo.name
                    let tree = try store.decodeCommit(try resolve(spec).commit).tree
                    for file in try TreeReader(store: store).files(tree, prefix: repo.mount)
                    where file.path == path || RepoPath.isWithin(file.path, path) {
                        versions[file.path] = file.ref
                    }
                } else {
                    var positions = Array(workspace.index.range(under: path))
                    if let exact = workspace.index.find(path) { positions.append(exact) }
                    for position in positions {
                        let entry = workspace.index.entries[position]
                        if unstage {
                            guard !FileRef.same(entry.staged, entry.base) else { continue }
                            workspace.index.entries[position].staged = entry.base
                            // The stat cache described the staged version, not the base.
                            workspace.index.entries[position].stat = .empty
                            touched.append(entry.path)
                        } else if let staged = entry.staged {
                            versions[entry.path] = staged
                        }
                    }
                }
                if unstage { continue }
                if versions.isEmpty { throw RepositoryError.pathNotFound("\(path) (not tracked)") }
                // Only files whose workspace content differs are rewritten.
                let current = workspace.workspaceContent(of: repo, status: try workspace.cachedStatus(of: repo, progress: progress))
                restored.append(contentsOf: versions.filter { !FileRef.same(current[$0.key] ?? nil, $0.value) }
                    .map { ($0.key, $0.value) })
            }
            if unstage {
                workspace.index.entries.removeAll { $0.staged == nil && $0.base == nil }
            } else {
                let statuses = try FileRestorer(project: self, mounts: workspace.registry.repos.map(\.mount)).restore(restored)
                for (file, status) in zip(restored, statuses) {
                    if source == nil, let position = workspace.index.find(file.path) {
                        workspace.index.entries[position].stat = status
                    }
                    touched.append(file.path)
                }
            }
            try workspace.save()
            return touched.sorted { $0.precedesInByteOrder($1) }
        }
    }

    /// Moves a damaged workspace index aside, so the next load starts from the branch heads.
    private func setAsideDamagedIndex() throws {
        do {
            _ = try WorkspaceIndex.load(layout.workspaceIndexFile)
        } catch RepositoryError.damagedIndex {
            let aside = "\(layout.workspaceIndexFile).damaged-\(Int(Date().timeIntervalSince1970))"
            try FileSystem.rename(layout.workspaceIndexFile, to: aside)
            try FileSystem.syncDirectory(layout.storeDirectory)
            progress.notice("the damaged index was moved to \(aside); a new one was built from the branch heads")
        }
    }
}
