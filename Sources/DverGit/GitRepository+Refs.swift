import CGit2

extension GitRepository {
    /// Every ref (branches, tags, remote-tracking branches, notes…) that leads to a commit,
    /// with that commit's id; annotated tags are peeled. Symbolic refs (HEAD) and refs to other
    /// objects are left out.
    /// - Throws: `GitError.library` when the refs cannot be read.
    public func refTips() throws(GitError) -> [(name: String, commit: String)] {
        var iterator: OpaquePointer?
        try LibGit2.check(git_reference_iterator_new(&iterator, handle), "listing refs")
        defer { git_reference_iterator_free(iterator) }
        var tips = [(name: String, commit: String)]()
        var reference: OpaquePointer?
        while git_reference_next(&reference, iterator) == 0 {
            defer { git_reference_free(reference) }
            guard git_reference_type(reference) == GIT_REFERENCE_DIRECT, let name = git_reference_name(reference) else { continue }
            var peeled: OpaquePointer?
            guard git_reference_peel(&peeled, reference, GIT_OBJECT_COMMIT) == 0 else { continue }
            defer { git_object_free(peeled) }
            guard let oid = git_object_id(peeled) else { continue }
            tips.append((String(cString: name), LibGit2.hex(oid)))
        }
        return tips
    }
}
