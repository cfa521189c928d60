import DverCore
import DverStore
import DverSystem

extension Project {
    /// Creates a repo mounted at a project-relative directory (created if missing).
    /// - Throws: `RepositoryError.repoExists`, `.mountOverlaps`, `.invalidRepoName`.
    @discardableResult
    public func createRepo(name: String, mount: String, branch: String = "main") throws -> RepoRecord {
        try withWorkspaceLock {
            var workspace = try Workspace.load(self)
            let record = try workspace.createRepo(name: name, mount: mount, branch: branch)
            try FileSystem.createDirectories(absolutePath(mount))
            try workspace.save()
            return record
        }
    }

    /// Deletes a repo's refs and registry entry and untracks its files. Workspace files and
    /// stored objects are left alone.
    public func deleteRepo(name: String) throws {
        try withWorkspaceLock {
            var workspace = try Workspace.load(self)
            guard let record = workspace.registry.record(named: name) else { throw RepositoryError.unknownRepo(name) }
            try refs.deleteAll(repo: name)
            workspace.registry.repos.removeAll { $0.name == name }
            workspace.index.replace(under: record.mount, with: [])
            workspace.index.bases[name] = nil
            try workspace.save()
        }
    }
}

extension Workspace {
    mutating func createRepo(name: String, mount: String, branch: String) throws -> RepoRecord {
        if RepoPath.isWithin(mount, StoreLayout.directoryName) { throw RepositoryError.pathInsideStore(mount) }
        try RepoRecord.validateName(name)
        try RefStore.validateBranchName(branch)
        guard !mount.isEmpty else { throw RepositoryError.mountOverlaps(path: ".", repo: "(project root)") }
        try RepoRecord.validateMount(mount)
        if registry.record(named: name) != nil { throw RepositoryError.repoExists(name) }
        for other in registry.repos where RepoPath.isWithin(mount, other.mount) || RepoPath.isWithin(other.mount, mount) {
            throw RepositoryError.mountOverlaps(path: mount, repo: other.name)
        }
        let record = RepoRecord(name: name, mount: mount, branch: branch, defaultBranch: branch)
        registry.update(record)
        index.bases[name] = nil
        return record
    }
}
