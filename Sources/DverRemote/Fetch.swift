import DverCore
import DverRepository
import DverStore
import DverSystem

/// How a remote-tracking ref moved.
public struct TrackingUpdate: Sendable, Equatable {
    public var repo: String
    public var branch: String
    public var old: ObjectID?
    public var new: ObjectID
}

/// What a fetch did.
public struct FetchResult: Sendable {
    public var updates: [TrackingUpdate] = []
    /// The remote's index as read (repos, mounts, heads), for pull and clone.
    public var index = RemoteIndex()
    /// The remote's pipeline specs, verified and checked (only when fetching with a catalog).
    public var specs: [SpecBlob] = []
    /// Remote-tracking specs that moved.
    public var specUpdates: [SpecTrackingUpdate] = []
    public var objectsReceived = 0
    public var bytesReceived: UInt64 = 0
    public var requests = 0
}

/// Brings commits and everything they reach from a remote into the local store, then records
/// the remote's branches as remote-tracking refs (`refs/REPO/remotes/REMOTE/BRANCH`). Objects
/// are verified before they are stored and sealed (fsync) before any ref names them. With a
/// spec catalog, also brings the remote's pipeline specs (every one, verified and checked
/// before any object is downloaded) and records them as remote-tracking specs.
public struct FetchOperation {
    public let project: Project
    public let remote: Remote
    /// Whose check the remote's specs must pass; nil: specs are not fetched.
    public var specs: (any SpecCatalog)?

    public init(project: Project, remote: Remote, specs: (any SpecCatalog)? = nil) {
        self.project = project
        self.remote = remote
        self.specs = specs
    }

    /// Fetches every branch of the given repos (all of the remote's repos when nil).
    /// - Throws: `RemoteError.unknownRemoteRepo`, transport and integrity errors; the local
    ///   refs are untouched then.
    public func run(repos: [String]? = nil) throws -> FetchResult {
        // Downloaded objects are named by the tracking refs only at the end: keep gc out meanwhile.
        try project.withObjectWriters {
            // A remote gc may delete a pack an older index listed (once its tombstone has aged,
            // docs/REMOTES.md): a transfer that fails while the index moved on starts again from
            // the new one, keeping what it already verified.
            var generation: Int?
            for attempt in 0..<3 {
                do {
                    return try runLocked(repos: repos, generation: &generation)
                } catch let error as RemoteError where error.mayBeCollectedPack {
                    guard attempt < 2, let seen = generation, let now = try? remote.readIndex().index.generation, now != seen else { throw error }
                }
            }
            return try runLocked(repos: repos, generation: &generation)
        }
    }

    private func runLocked(repos: [String]?, generation: inout Int?) throws -> FetchResult {
        let start = remote.transport.requestCount
        var result = FetchResult()
        let (index, version) = try remote.readIndex()
        generation = index.generation
        if version == nil { try remote.transport.prepare(creating: false) }
        result.index = index
        if let specs { result.specs = try remote.receiveSpecs(index.pipelines, catalog: specs) }
        let names = repos ?? index.repos.keys.sorted()
        var wanted = [TrackingUpdate]()
        for name in names {
            guard let repo = index.repos[name] else { throw RemoteError.unknownRemoteRepo(repo: name, remote: remote.name) }
            for (branch, hex) in repo.branches.sorted(by: { $0.key < $1.key }) {
                guard let id = ObjectID(hex: hex) else {
                    throw RemoteError.corruptRemote(url: remote.transport.displayURL, reason: "\(name)@\(branch) is not a commit id")
                }
                let old = try project.refs.readRemoteTracking(repo: name, remote: remote.name, branch: branch)
                if old != id || !project.store.contains(id) { wanted.append(TrackingUpdate(repo: name, branch: branch, old: old, new: id)) }
            }
        }
        let received = try download(commits: wanted.map(\.new), packs: index.packs)
        result.objectsReceived = received.objects
        result.bytesReceived = received.bytes
        for update in wanted {
            try project.refs.setRemoteTracking(repo: update.repo, remote: remote.name, branch: update.branch, to: update.new)
        }
        // Commit sets are not stored on the remote: the commits name them, so rebuild the records.
        try project.recordCommitSets(reachableFrom: wanted.map(\.new))
        result.updates = wanted
        if specs != nil { result.specUpdates = try trackSpecs(index.pipelines) }
        result.requests = remote.transport.requestCount - start
        return result
    }

    /// Records the remote's spec list as the remote-tracking specs.
    /// - Returns: the entries that moved.
    private func trackSpecs(_ listed: [String: String]) throws -> [SpecTrackingUpdate] {
        var tracking = try SpecTracking.load(remote)
        let moved = listed.sorted { $0.key < $1.key }.compactMap { name, hex -> SpecTrackingUpdate? in
            guard tracking.remote[name] != hex, let id = ObjectID(hex: hex) else { return nil }
            return SpecTrackingUpdate(name: name, old: tracking.remote[name].flatMap { ObjectID(hex: $0) }, new: id)
        }
        if tracking.remote != listed {
            tracking.remote = listed
            try tracking.save(remote)
        }
        return moved
    }

    /// Downloads everything `commits` reach that the local store lacks, and seals it.
    /// - Returns: objects and bytes received.
    public func download(commits: [ObjectID], packs: [RemotePackRecord]) throws -> (objects: Int, bytes: UInt64) {
        let complete = try CompleteHistory.commits(project: project)
        let pending = commits.filter { !complete.contains($0) }
        guard !pending.isEmpty else { return (0, 0) }
        return try project.withObjectWriters {
            try withDownloader(packs: packs) { walker in
                try walker.walk(from: pending.map { ($0, .commit) }, complete: complete)
            }
        }
    }

    /// Runs `body` with a walker whose downloads go into one write session, sealed at the end.
    func withDownloader(packs: [RemotePackRecord], _ body: (inout ObjectWalker) throws -> Void) throws -> (objects: Int, bytes: UInt64) {
        let objects = RemoteObjectSet(records: packs, indexes: try remote.packIndexes(packs))
        let writer = project.makeWriter()
        let counter = ByteCounter(project.progress)
        var walker = ObjectWalker(store: project.store, downloader: ObjectDownloader(
            remote: remote, objects: objects, writer: writer, progress: counter,
            temporaryDirectory: project.layout.temporaryDirectory, layout: project.layout,
            durable: project.writeSettings.durable))
        project.progress.start("fetching from \(remote.name)", totalBytes: nil, totalItems: nil)
        defer { project.progress.finish() }
        do {
            try body(&walker)
        } catch {
            // Keep what was downloaded and verified (sealed, referenced by nothing yet) so that
            // a rerun fetches only the rest; a damaged object was never put into the session.
            if (try? writer.finish()) == nil { writer.abandon() }
            try? project.store.reload()
            throw error
        }
        let statistics = try writer.finish()
        if walker.downloader.adopted.count > 0, project.writeSettings.durable {
            try FileSystem.syncDirectory(project.layout.packsDirectory)
        }
        try project.store.reload()
        try? project.store.updateMultiPackIndex(durable: project.writeSettings.durable)
        return (statistics.objectsWritten + walker.downloader.adopted.objects, counter.bytes)
    }
}

/// Commits whose whole closure is known to be in the local store: everything reachable from
/// branch heads and remote-tracking refs (both are only set once their objects are sealed).
enum CompleteHistory {
    static func commits(project: Project) throws -> Set<ObjectID> {
        var pending = [ObjectID]()
        for record in try project.repos() {
            pending += try project.refs.branches(repo: record.name).compactMap { try project.refs.read(repo: record.name, branch: $0) }
            pending += try project.refs.remoteTrackingRefs(repo: record.name).map(\.commit)
        }
        var seen = Set<ObjectID>()
        while let id = pending.popLast() {
            guard project.store.contains(id), seen.insert(id).inserted else { continue }
            pending.append(contentsOf: try project.store.decodeCommit(id).parents)
        }
        return seen
    }
}

/// Counts bytes received while passing progress on.
final class ByteCounter: ProgressSink {
    private let inner: any ProgressSink
    private let total = Locked<UInt64>(0)
    init(_ inner: any ProgressSink) { self.inner = inner }
    var bytes: UInt64 { total.withLock { $0 } }
    func start(_ label: String, totalBytes: UInt64?, totalItems: Int?) { inner.start(label, totalBytes: totalBytes, totalItems: totalItems) }
    func advance(bytes: UInt64, items: Int) {
        total.withLock { $0 += bytes }
        inner.advance(bytes: bytes, items: items)
    }
    func finish() { inner.finish() }
    func notice(_ message: String) { inner.notice(message) }
}
