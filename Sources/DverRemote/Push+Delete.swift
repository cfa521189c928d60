import DverCore
import DverStore

extension PushOperation {
    /// Deletes a branch on the remote (one conditional write of the index) and its
    /// remote-tracking ref here. Its objects stay until `dver gc --remote` finds them unreachable.
    /// Refused when the remote head is neither the one last fetched nor the local branch's head
    /// (somebody pushed to it since), unless forced.
    /// - Returns: the head the branch had.
    /// - Throws: `RemoteError.unknownRemoteBranch`, `.nonFastForward` (the branch moved since).
    public func deleteBranch(repo: String, branch: String) throws -> ObjectID {
        // What this project last saw of the branch: its remote-tracking ref, else its own branch.
        let known = try project.refs.readRemoteTracking(repo: repo, remote: remote.name, branch: branch)
            ?? project.refs.read(repo: repo, branch: branch)
        var deleted: ObjectID?
        let force = self.force
        let remoteName = remote.name
        try remote.updateIndex(from: try remote.readIndex()) { index in
            guard let hex = index.head(repo: repo, branch: branch), let head = ObjectID(hex: hex) else {
                throw RemoteError.unknownRemoteBranch(repo: repo, branch: branch, remote: remoteName)
            }
            if !force, head != known { throw RemoteError.nonFastForward(repo: repo, branch: branch, remote: remoteName) }
            index.repos[repo]?.branches[branch] = nil
            deleted = head
        }
        try project.refs.setRemoteTracking(repo: repo, remote: remote.name, branch: branch, to: nil)
        guard let deleted else { throw RemoteError.unknownRemoteBranch(repo: repo, branch: branch, remote: remoteName) }
        return deleted
    }
}
