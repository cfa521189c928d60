import DverCore
import DverRepository
import DverStore

/// A root of a remote garbage collection: something whose objects must stay.
public struct RemoteRoot: Sendable, Equatable {
    /// What holds it: `branch raw@main`, `git pin v1.0: raw`, `commit set 9d1c…`.
    public var reason: String
    public var commit: ObjectID

    public init(reason: String, commit: ObjectID) {
        self.reason = reason
        self.commit = commit
    }
}

/// The mark phase of `dver gc --remote`: every object reachable from the roots — the remote's
/// branch heads and the roots the caller adds — through commits (with their history), trees and
/// chunk lists. Commits, trees and chunk lists the local store lacks are downloaded (verified,
/// stored locally) to be decoded; chunks are only looked up, never downloaded.
struct RemoteMark {
    var live: Set<ObjectID>
    /// Roots whose commit the remote does not hold (a git pin of data never pushed): reported,
    /// not an error — there is nothing on the remote to keep for them.
    var absentRoots: [RemoteRoot]

    init(roots: [RemoteRoot], project: Project, remote: Remote, index: RemoteIndex) throws {
        let objects = RemoteObjectSet(records: index.packs, indexes: try remote.packIndexes(index.packs))
        let present = roots.filter { objects.contains($0.commit) }
        absentRoots = roots.filter { !objects.contains($0.commit) }
        var reached = Set<ObjectID>()
        _ = try FetchOperation(project: project, remote: remote).withDownloader(packs: index.packs) { walker in
            try walker.walk(from: present.map { ($0.commit, .commit) }, fetchingChunks: false)
            reached = walker.reached
        }
        // Only what the remote holds counts: a walk through local objects may reach further.
        live = reached.filter { objects.contains($0) }
    }
}
