import DverCore
import DverSystem

/// Remote-tracking refs: `refs/<repo>/remotes/<remote>/<branch>`, where a branch of a remote was
/// when it was last fetched. Written like branch refs (temp file, fsync, rename, under the refs
/// lock), only after every object the commit reaches is in a sealed local pack.
extension RefStore {
    private func remotesDirectory(_ repo: String, _ remote: String) throws -> String {
        try Self.validateRepoName(repo)
        try Self.validateRepoName(remote)  // remote names follow the repo name rules
        return "\(layout.refsDirectory)/\(repo)/remotes/\(remote)"
    }

    /// The commit a remote's branch pointed at when last fetched, or nil.
    /// - Throws: `StoreError.corruptFile` when the ref does not hold an id.
    public func readRemoteTracking(repo: String, remote: String, branch: String) throws -> ObjectID? {
        try Self.validateBranchName(branch)
        let file = "\(try remotesDirectory(repo, remote))/\(branch)"
        guard FileSystem.exists(file) else { return nil }
        let text = try FileSystem.readText(file).trimmingTrailingNewlines()
        guard let id = ObjectID(hex: text) else {
            throw StoreError.corruptFile(path: file, reason: "a remote-tracking ref must hold a 64-digit commit id")
        }
        return id
    }

    /// Every remote-tracking ref of a repo: (remote, branch, commit), sorted.
    public func remoteTrackingRefs(repo: String) throws -> [(remote: String, branch: String, commit: ObjectID)] {
        try Self.validateRepoName(repo)
        let base = "\(layout.refsDirectory)/\(repo)/remotes"
        guard FileSystem.isDirectory(base) else { return [] }
        var result = [(remote: String, branch: String, commit: ObjectID)]()
        for remote in try FileSystem.list(base).map(\.name).sorted() where FileSystem.isDirectory("\(base)/\(remote)") {
            for branch in try refNames(under: "\(base)/\(remote)") {
                if let commit = try readRemoteTracking(repo: repo, remote: remote, branch: branch) {
                    result.append((remote, branch, commit))
                }
            }
        }
        return result
    }

    /// Records where a remote's branch points (nil deletes the tracking ref).
    /// - Throws: `StoreError.invalidRefName`, `.lockTimeout`.
    public func setRemoteTracking(repo: String, remote: String, branch: String, to commit: ObjectID?) throws {
        try Self.validateBranchName(branch)
        let file = "\(try remotesDirectory(repo, remote))/\(branch)"
        try withLock {
            if let commit {
                try FileSystem.createDirectories(FileSystem.parentPath(file), durable: true)
                try FileSystem.writeAtomically(file, text: commit.hex + "\n")
            } else {
                try FileSystem.removeIfExists(file)
            }
        }
    }

    /// Deletes every tracking ref of one remote (used by `dver remote remove`).
    public func deleteRemoteTracking(remote: String, repos: [String]) throws {
        try withLock {
            for repo in repos { try FileSystem.removeTree(try remotesDirectory(repo, remote)) }
        }
    }
}
