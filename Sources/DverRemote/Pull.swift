import DverCore
import DverRepository
import DverStore

/// What a pull did to one branch.
public struct PullUpdate: Sendable {
    public enum Kind: String, Sendable { case upToDate = "up-to-date", fastForward = "fast-forward", created, ahead }
    public var repo: String
    public var branch: String
    public var kind: Kind
    public var old: ObjectID?
    public var new: ObjectID
    /// Set when the branch is checked out and the workspace was updated.
    public var checkout: CheckoutResult?
}

/// What a pull did.
public struct PullResult: Sendable {
    public var fetch = FetchResult()
    public var updates: [PullUpdate] = []
    /// What happened to each of the remote's pipeline specs (pulls with a spec catalog).
    public var specUpdates: [SpecUpdate] = []
    /// For a partial pull: the files written.
    public var partialFiles: [String] = []
    public var partialCommit: ObjectID?
}

/// fetch, then fast-forward local branches to the remote's (checking out the workspace of the
/// checked-out branch, refusing like `checkout` to overwrite uncommitted work), creating repos
/// the project does not have yet at the remote's mount. With a path (`raw@main:images`), only
/// the objects under that path are downloaded and written into the workspace. With a spec
/// catalog, the remote's pipeline specs come too (`Pull+Specs`): conflicts are refused before
/// any branch moves, and the specs taken are added after the branches moved.
public struct PullOperation {
    public let project: Project
    public let remote: Remote
    public var force = false
    /// The local pipeline specs; nil: specs are not pulled (nor fetched).
    public var specs: (any SpecCatalog)?

    public init(project: Project, remote: Remote, force: Bool = false, specs: (any SpecCatalog)? = nil) {
        self.project = project
        self.remote = remote
        self.force = force
        self.specs = specs
    }

    /// - Throws: `RemoteError.diverged`, `.unknownRemoteBranch`, `.specConflict`,
    ///   `RepositoryError.uncommittedChanges`; what the spec catalog throws.
    public func run(_ spec: RevisionSpec? = nil) throws -> PullResult {
        if let spec, let path = spec.path { return try partial(spec, path: path) }
        var result = PullResult()
        let fetch = FetchOperation(project: project, remote: remote, specs: specs)
        result.fetch = try fetch.run(repos: spec.map { [$0.repo] })
        let index = result.fetch.index
        let repos = spec.map { [$0.repo] } ?? index.repos.keys.sorted()
        let plannedSpecs = try planSpecs(result.fetch, arrivingRepos: arriving(repos, index: index))
        for name in repos {
            guard let remoteRepo = index.repos[name] else { continue }
            let local = try? project.repo(named: name)
            var branches: [String]
            if let branch = spec?.revision {
                guard remoteRepo.branches[branch] != nil else {
                    throw RemoteError.unknownRemoteBranch(repo: name, branch: branch, remote: remote.name)
                }
                branches = [branch]
            } else if let local {
                // The checked-out branch first, then other local branches the remote also has.
                let localBranches = try project.refs.branches(repo: name)
                branches = ([local.branch].compactMap { $0 } + localBranches).filter { remoteRepo.branches[$0] != nil }
                if branches.isEmpty, localBranches.isEmpty { branches = [remoteRepo.defaultBranch] }
            } else {
                branches = [remoteRepo.defaultBranch]
            }
            var done = Set<String>()
            for branch in branches where done.insert(branch).inserted {
                guard let hex = remoteRepo.branches[branch], let target = ObjectID(hex: hex) else { continue }
                result.updates.append(try integrate(name, mount: remoteRepo.mount, branch: branch, target: target))
            }
        }
        result.specUpdates = try applySpecs(plannedSpecs)
        return result
    }

    /// The repos of `names` the project will have from the remote once the pull has run: those
    /// it has already that the remote has too, and those the pull creates (at the remote's
    /// default branch).
    private func arriving(_ names: [String], index: RemoteIndex) -> Set<String> {
        Set(names.filter { name in
            guard let remoteRepo = index.repos[name] else { return false }
            return (try? project.repo(named: name)) != nil || remoteRepo.branches[remoteRepo.defaultBranch] != nil
        })
    }

    /// Fast-forwards one local branch to `target` (which is in the store after the fetch).
    private func integrate(_ repo: String, mount: String, branch: String, target: ObjectID) throws -> PullUpdate {
        let exists = (try? project.repo(named: repo)) != nil
        let local = exists ? try project.refs.read(repo: repo, branch: branch) : nil
        var update = PullUpdate(repo: repo, branch: branch, kind: .upToDate, old: local, new: target)
        if local == target { return update }
        if let local {
            if try project.descends(local, from: target) {
                update.kind = .ahead
                return update
            }
            guard try project.descends(target, from: local) else {
                throw RemoteError.diverged(repo: repo, branch: branch, remote: remote.name)
            }
            update.kind = .fastForward
        } else {
            update.kind = .created
        }
        let moved = try project.moveBranch(repo: repo, mount: mount, branch: branch, from: local, to: target, force: force)
        update.checkout = moved.checkout
        return update
    }

    /// Downloads only the objects under `path` of the remote's branch and writes those files.
    private func partial(_ spec: RevisionSpec, path: String) throws -> PullResult {
        var result = PullResult()
        let (index, version) = try remote.readIndex()
        if version == nil { try remote.transport.prepare(creating: false) }
        guard let remoteRepo = index.repos[spec.repo] else { throw RemoteError.unknownRemoteRepo(repo: spec.repo, remote: remote.name) }
        let local = try? project.repo(named: spec.repo)
        let branch = spec.revision ?? local?.branch ?? remoteRepo.defaultBranch
        guard let hex = remoteRepo.branches[branch], let commit = ObjectID(hex: hex) else {
            throw RemoteError.unknownRemoteBranch(repo: spec.repo, branch: branch, remote: remote.name)
        }
        let fetch = FetchOperation(project: project, remote: remote)
        let start = remote.transport.requestCount
        // Nothing names the downloaded objects: keep gc out until the files are written.
        return try project.withObjectWriters {
            let received = try fetch.withDownloader(packs: index.packs) { walker in
                let tree = try Commit.decode(try walker.object(commit, kind: .commit)).tree
                guard let entry = try walker.entry(at: path, root: tree) else {
                    throw RepositoryError.pathNotFound("\(spec.repo)@\(branch):\(path) on remote '\(remote.name)'")
                }
                let kind: ObjectKind = entry.kind == .directory ? .tree : (entry.chunked ? .chunkList : .chunk)
                try walker.walk(from: [(entry.id, kind)])
            }
            result.fetch.index = index
            result.fetch.objectsReceived = received.objects
            result.fetch.bytesReceived = received.bytes
            result.fetch.requests = remote.transport.requestCount - start + 1
            if local == nil { try project.createRepo(name: spec.repo, mount: remoteRepo.mount, branch: branch) }
            result.partialFiles = try project.restoreSubtree(repo: spec.repo, commit: commit, path: path, force: force)
            result.partialCommit = commit
            return result
        }
    }
}
