import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// What to push: a branch (whose ref the remote then records), or a bare commit (its objects
/// only — used for commits that git commits pin, which the git pre-push hook sends).
public enum PushTarget: Sendable, Equatable {
    case branch(repo: String, branch: String)
    case commit(repo: String, id: ObjectID)
}

/// How one ref moved on the remote.
public struct RefUpdate: Sendable, Equatable {
    public enum Kind: String, Sendable { case upToDate = "up-to-date", created, fastForward = "fast-forward", forced, objectsOnly = "objects" }
    public var repo: String
    public var branch: String?
    public var old: ObjectID?
    public var new: ObjectID
    public var kind: Kind
}

/// What a push did.
public struct PushResult: Sendable {
    public var updates: [RefUpdate] = []
    /// What happened to each local pipeline spec (pushes with a spec catalog).
    public var specUpdates: [SpecUpdate] = []
    public var objectsSent = 0
    public var bytesSent: UInt64 = 0
    public var packsSent = 0
    public var requests = 0
    /// True when the push wrote nothing to the remote.
    public var isUpToDate: Bool {
        updates.allSatisfy { $0.kind == .upToDate } && specUpdates.allSatisfy { $0.kind == .upToDate || $0.kind == .behind }
    }

    /// The result with the requests made since `start`.
    func counted(since start: Int, _ remote: Remote) -> PushResult {
        var result = self
        result.requests = remote.transport.requestCount - start
        return result
    }
}

/// Sends local commits and the objects they reach to a remote: only what the remote's pack
/// indexes lack; chunk packs are registered as each is uploaded (so an interrupted push resumes
/// where it stopped), commits/trees/chunk lists and the refs last, in one conditional write of
/// `index.json`. A push with nothing to send reads `index.json` once and stops. With a spec
/// catalog, the local pipeline specs go too (`Push+Specs`), listed in that same last write.
public struct PushOperation {
    public let project: Project
    public let remote: Remote
    public var force = false
    /// The local pipeline specs to publish; nil: specs are not pushed.
    public var specs: (any SpecCatalog)?
    /// Stored bytes of chunks per uploaded pack; each pack is registered on the remote as soon
    /// as it is uploaded, so an interrupted push loses at most the packs in flight.
    public var batchBytes: UInt64 = 48 << 20

    public init(project: Project, remote: Remote, force: Bool = false, specs: (any SpecCatalog)? = nil) {
        self.project = project
        self.remote = remote
        self.force = force
        self.specs = specs
    }

    /// Every branch of the given repos (all repos when empty), as push targets.
    public static func targets(project: Project, specs: [RevisionSpec]) throws -> [PushTarget] {
        var targets = [PushTarget]()
        let chosen = specs.isEmpty ? try project.repos().map { RevisionSpec(parsing: $0.name) } : specs
        for spec in chosen {
            let record = try project.repo(named: spec.repo)
            if let branch = spec.revision {
                guard try project.refs.read(repo: record.name, branch: branch) != nil else {
                    throw RepositoryError.unknownBranch(repo: record.name, branch: branch)
                }
                targets.append(.branch(repo: record.name, branch: branch))
            } else {
                targets += try project.refs.branches(repo: record.name).map { .branch(repo: record.name, branch: $0) }
            }
        }
        return targets
    }

    /// - Throws: `RemoteError.nonFastForward`, `.specConflict` (nothing is changed on the
    ///   remote), transport errors.
    public func run(_ targets: [PushTarget]) throws -> PushResult {
        let start = remote.transport.requestCount
        // A garbage collection that took packs out of the index while this push relied on them
        // makes it start again from a fresh index (docs/REMOTES.md, "Garbage collection").
        // So does a push that failed while the index moved on (a pack it read of was deleted).
        var generation: Int?
        for _ in 0..<4 {
            do {
                return try attempt(targets, start: start, generation: &generation)
            } catch is PacksCollected {
                continue
            } catch let error as RemoteError where error.mayBeCollectedPack {
                guard let seen = generation,
                      let now = try? remote.readIndex().index.generation, now != seen else { throw error }
            }
        }
        throw RemoteError.concurrentUpdate(url: remote.transport.displayURL)
    }

    private func attempt(_ targets: [PushTarget], start: Int, generation: inout Int?) throws -> PushResult {
        let state = try remote.readIndex()
        generation = state.index.generation
        var result = PushResult()
        var planned = [PlannedUpdate]()
        for target in targets {
            let plan = try self.plan(target, index: state.index)
            result.updates.append(plan.update)
            if plan.update.kind != .upToDate { planned.append(plan) }
        }
        let specPlan = try planSpecs(state.index)
        result.specUpdates = specPlan.updates
        if planned.isEmpty, specPlan.outgoing.isEmpty {
            try recordSpecs(specPlan, listed: state.index.pipelines)
            return result.counted(since: start, remote)
        }
        if state.version == nil { try remote.transport.prepare(creating: true) }
        var latest = state
        var metadataPacks = [OutgoingPack]()
        if !planned.isEmpty {
            guard let sent = try sendObjects(planned, state: state, mustWrite: !specPlan.outgoing.isEmpty, result: &result) else {
                return result.counted(since: start, remote)
            }
            (latest, metadataPacks) = sent
        }
        try remote.uploadSpecs(specPlan.outgoing.map(\.spec), listed: latest.index.pipelines)
        let relied = Set(state.index.packs.map(\.name)).union(latest.index.packs.map(\.name))
        let written = try publish(metadataPacks, planned: planned, specs: specPlan.outgoing, state: latest, relied: relied)
        try recordSpecs(specPlan, listed: written.index.pipelines)
        return result.counted(since: start, remote)
    }

    /// Decides what a target needs: nothing, a new branch, a fast-forward or (with force) an overwrite.
    private func plan(_ target: PushTarget, index: RemoteIndex) throws -> PlannedUpdate {
        switch target {
        case .commit(let repo, let id):
            let record = try project.repo(named: repo)
            return (RefUpdate(repo: repo, branch: nil, old: nil, new: id, kind: .objectsOnly), record.mount, record.defaultBranch)
        case .branch(let repo, let branch):
            let record = try project.repo(named: repo)
            guard let local = try project.refs.read(repo: repo, branch: branch) else {
                throw RepositoryError.unknownBranch(repo: repo, branch: branch)
            }
            let remoteHead = index.head(repo: repo, branch: branch).flatMap { ObjectID(hex: $0) }
            var kind = RefUpdate.Kind.created
            if let remoteHead {
                if remoteHead == local {
                    kind = .upToDate
                } else if project.store.contains(remoteHead), try project.descends(local, from: remoteHead) {
                    kind = .fastForward
                } else if force {
                    kind = .forced
                } else {
                    throw RemoteError.nonFastForward(repo: repo, branch: branch, remote: remote.name)
                }
            }
            return (RefUpdate(repo: repo, branch: branch, old: remoteHead, new: local, kind: kind), record.mount, record.defaultBranch)
        }
    }

    /// Chunks in batches of up to `batchBytes` stored, in local pack order (sequential reads).
    /// - Throws: `StoreError.objectNotFound` for a chunk the local store lacks.
    func chunkBatches(_ ids: [ObjectID]) throws -> [(located: OutgoingPack.Located, bytes: UInt64)] {
        var batches = [(located: OutgoingPack.Located, bytes: UInt64)]()
        var current = OutgoingPack.Located()
        var bytes: UInt64 = 0
        for (pack, entries) in try OutgoingPack.locate(ids, in: project.store) {
            var start = entries.startIndex
            for position in entries.indices {
                bytes += UInt64(entries[position].storedLength) + UInt64(PackFormat.recordHeaderSize)
                if bytes >= batchBytes {
                    current.append((pack, Array(entries[start...position])))
                    batches.append((current, bytes))
                    (current, bytes, start) = ([], 0, position + 1)
                }
            }
            if start < entries.endIndex { current.append((pack, Array(entries[start...]))) }
        }
        if !current.isEmpty { batches.append((current, bytes)) }
        return batches
    }
}
