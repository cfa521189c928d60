import CGit2

extension GitRepository {
    /// One git commit met by a history walk.
    public struct CommitSummary: Sendable, Equatable {
        public var id: String
        public var summary: String
        /// Seconds since the epoch (committer time).
        public var time: Int64
        public var parents: [String]
    }

    /// Walks history from `starts` (commit ids), newest first, skipping commits reachable from
    /// `hidden` ids or from refs matching `hiddenGlobs` (e.g. `refs/remotes/origin/*`).
    /// `body` returns false to stop.
    /// - Throws: `GitError.unknownRevision` for a bad start, `.library` otherwise.
    public func walk(from starts: [String], hiding hidden: [String] = [], hidingGlobs hiddenGlobs: [String] = [],
                     _ body: (CommitSummary) throws -> Bool) throws {
        var walker: OpaquePointer?
        try LibGit2.check(git_revwalk_new(&walker, handle), "starting a history walk")
        defer { git_revwalk_free(walker) }
        git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        for start in starts {
            var oid = try Self.oid(start)
            guard git_revwalk_push(walker, &oid) == 0 else { throw GitError.unknownRevision(start) }
        }
        for id in hidden {
            var oid = try Self.oid(id)
            // An id git does not have locally (a remote's new commit) hides nothing.
            _ = git_revwalk_hide(walker, &oid)
        }
        for glob in hiddenGlobs { _ = git_revwalk_hide_glob(walker, glob) }
        var oid = git_oid()
        while git_revwalk_next(&oid, walker) == 0 {
            var commit: OpaquePointer?
            try LibGit2.check(git_commit_lookup(&commit, handle, &oid), "reading a commit")
            defer { git_commit_free(commit) }
            var parents = [String]()
            for position in 0..<git_commit_parentcount(commit) {
                if let parent = git_commit_parent_id(commit, position) { parents.append(LibGit2.hex(parent)) }
            }
            let summary = git_commit_summary(commit).map { String(cString: $0) } ?? ""
            let info = CommitSummary(id: LibGit2.hex(&oid), summary: summary, time: Int64(git_commit_time(commit)), parents: parents)
            if try !body(info) { break }
        }
    }

    static func oid(_ hex: String) throws(GitError) -> git_oid {
        var oid = git_oid()
        guard git_oid_fromstr(&oid, hex) == 0 else { throw .unknownRevision(hex) }
        return oid
    }
}
