import DverCore
import DverRepository
import DverStore
import Foundation

/// The other half of `PinnedDataPush`: before the data a git revision pins is restored
/// (`dver checkout --git`, post-checkout), commits missing from the local store are downloaded
/// by id from the default dver remote — the `dvc pull` step, done for the user.
public enum PinnedDataFetch {
    /// Downloads the given commits (and all they reach) that the local store lacks and the
    /// remote has. Without a configured remote, or when nothing is missing, makes no request.
    /// - Returns: objects received, and the commits still missing afterwards.
    /// - Throws: transport and integrity errors (nothing unverified is stored).
    public static func fetch(_ commits: [ObjectID], project: Project, remote name: String? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> (objects: Int, stillMissing: [ObjectID]) {
        let missing = commits.filter { !project.store.contains($0) }
        let registry = try RemoteRegistry.load(project.layout)
        guard !missing.isEmpty, !registry.remotes.isEmpty else { return (0, missing) }
        let remote = try Remote.open(try registry.resolve(name), layout: project.layout, environment: environment)
        let (index, version) = try remote.readIndex()
        guard version != nil else { return (0, missing) }
        let objects = RemoteObjectSet(records: index.packs, indexes: try remote.packIndexes(index.packs))
        let available = missing.filter { objects.contains($0) }
        let received = try FetchOperation(project: project, remote: remote).download(commits: available, packs: index.packs)
        try project.recordCommitSets(reachableFrom: available)
        return (received.objects, missing.filter { !project.store.contains($0) })
    }
}
