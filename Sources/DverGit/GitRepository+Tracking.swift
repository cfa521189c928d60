import CGit2

extension GitRepository {
    /// Whether git tracks `path` (relative to the working tree): it is in the index.
    /// - Throws: `GitError.library`.
    public func isTracked(_ path: String) throws(GitError) -> Bool {
        var index: OpaquePointer?
        try LibGit2.check(git_repository_index(&index, handle), "opening the git index")
        defer { git_index_free(index) }
        try LibGit2.check(git_index_read(index, 0), "reading the git index")
        return git_index_get_bypath(index, path, 0) != nil
    }
}
