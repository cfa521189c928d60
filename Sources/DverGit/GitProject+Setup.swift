import DverRepository

extension GitProject {
    /// What `setUpFromLock` did.
    public struct LockSetup: Sendable {
        /// Repos created from the lock, with their mounts and branches.
        public var created: [RepoRecord] = []
        /// Repos the lock names that could not be created (a mount taken by another repo, ...).
        public var failed: [(repo: String, error: String)] = []
        /// Whether the `.gitignore` block changed (it does not when it was committed for these repos).
        public var ignoreFileChanged = false
    }

    /// Sets a project up from the `dver.lock` of its working tree, as `dver init` does in a
    /// fresh clone: every repo the lock names that the project lacks is created at its pinned
    /// mount, on its pinned branch (with no commits yet: `dver checkout --git HEAD` fetches and
    /// restores the data, and creates the branch at the pinned commit), and the `.gitignore`
    /// block is rewritten — for the same repos it is the committed block, byte for byte. Nothing
    /// is installed into git.
    /// - Returns: nil when the working tree has no `dver.lock`.
    /// - Throws: `GitError.malformedLock`, store and system errors.
    public func setUpFromLock() throws -> LockSetup? {
        guard let lock = try workingLock() else { return nil }
        var setup = LockSetup()
        let existing = Set(try project.repos().map(\.name))
        for entry in lock.entries where !existing.contains(entry.repo) {
            do {
                setup.created.append(try project.createRepo(name: entry.repo, mount: entry.path, branch: entry.branch ?? "main"))
            } catch {
                setup.failed.append((entry.repo, "\(error)"))
            }
        }
        setup.ignoreFileChanged = try updateIgnoreFile()
        return setup
    }
}
