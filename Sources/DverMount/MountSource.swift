import DverAccess
import DverCore
import DverRemote
import DverRepository
import DverStore

/// Where a mount's objects come from, and how its revision is resolved there: the local store
/// (revisions as `RevisionLookup` takes them), or a remote read on demand (branches are the
/// remote's, from its `index.json`; commit ids are also accepted).
public struct MountSource: Sendable {
    public let base: any ObjectReading
    /// The remote-backed source, for remote mounts.
    public let remote: RemoteBackedSource?
    /// The remote's index as read when the mount started.
    let remoteIndex: RemoteIndex?
    let remoteName: String?

    /// The local store.
    public static func local(_ project: Project) -> MountSource {
        MountSource(base: project.store, remote: nil, remoteIndex: nil, remoteName: nil)
    }

    /// A remote, through the object cache `.dver/cache/` bounded by `cacheLimit` bytes; objects
    /// the local store has are read from it. Reads `index.json` and opens (downloading once) the
    /// remote's pack indexes.
    /// - Throws: remote errors (unreachable, corrupt index), `SystemError` for the cache directory.
    public static func remote(_ remote: Remote, project: Project, cacheLimit: UInt64, log: MountLog) throws -> MountSource {
        let (index, _) = try remote.readIndex()
        guard !index.packs.isEmpty || !index.repos.isEmpty else { throw RemoteError.emptyRemote(url: remote.transport.displayURL) }
        let fetcher = try RemoteObjectFetcher(remote: remote, index: index)
        let cache = try ObjectCache(directory: "\(project.layout.storeDirectory)/cache", limit: cacheLimit)
        let source = RemoteBackedSource(local: project.store, cache: cache, fetcher: fetcher, log: log)
        return MountSource(base: source, remote: source, remoteIndex: index, remoteName: remote.name)
    }

    /// The commit `revision` names in `repo` (nil: the checked-out commit locally, the default
    /// branch on a remote).
    /// - Throws: `AccessError` (local), `MountError.unknownRemoteRevision` (remote), store errors.
    public func resolve(repo: String, revision: String?, project: Project) throws -> ObjectID {
        guard let index = remoteIndex, let remoteName else {
            return try RevisionLookup(project: project).resolve(repo: repo, revision: revision ?? "HEAD")
        }
        let record = index.repos[repo]
        let (name, steps) = Project.splitAncestry(revision ?? record?.defaultBranch ?? "main")
        func refuse(_ reason: String) -> MountError {
            .unknownRemoteRevision(repo: repo, revision: revision ?? name, remote: remoteName, reason: reason)
        }
        var commit: ObjectID
        if let hex = index.head(repo: repo, branch: name) {
            guard let id = ObjectID(hex: hex) else { throw refuse("its index names '\(hex)', which is not a commit id") }
            commit = id
        } else if let id = ObjectID(hex: name.lowercased()) {
            commit = id
        } else if HexCoding.isHex(name.lowercased()), name.utf8.count >= RevisionLookup.minimumPrefixLength,
                  let id = try? RevisionLookup(project: project).resolve(repo: repo, revision: name) {
            commit = id   // a prefix of a commit (or commit set) the local project knows
        } else if let record {
            let branches = record.branches.keys.sorted().joined(separator: ", ")
            throw refuse("the remote has no branch '\(name)' (it has \(branches.isEmpty ? "none" : branches)), and it is not a commit id known here (give all 64 hex digits of a commit only the remote has)")
        } else {
            let repos = index.repos.keys.sorted().joined(separator: ", ")
            throw refuse("the remote has no repo '\(repo)' (it has \(repos.isEmpty ? "none" : repos))")
        }
        for step in 0..<steps {
            guard let parent = try Commit.decode(self.base.read(commit, as: .commit)).parents.first else {
                throw refuse("its history has only \(step) ancestors")
            }
            commit = parent
        }
        return commit
    }
}
