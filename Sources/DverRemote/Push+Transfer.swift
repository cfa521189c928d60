import DverCore
import DverStore
import DverSystem

/// A ref update a push will make, with what a new remote repo record needs.
typealias PlannedUpdate = (update: RefUpdate, mount: String, defaultBranch: String)

/// Objects, bytes and packs a push sent.
struct PushTotals: Sendable {
    var objects = 0
    var bytes: UInt64 = 0
    var packs = 0

    mutating func add(_ sent: [OutgoingPack]) {
        objects += sent.reduce(0) { $0 + $1.record.objects }
        bytes += sent.reduce(0) { $0 + $1.record.packSize }
        packs += sent.count
    }
}

extension PushOperation {
    /// Steps 3 to 5 of the write order (docs/REMOTES.md): chunk packs, each registered in the
    /// remote index as soon as it is uploaded, several at once.
    /// - Returns: the index as last written, and what was sent.
    func sendChunks(_ batches: [(ids: [ObjectID], bytes: UInt64)], state: (index: RemoteIndex, version: String?),
                    staging: String) throws -> (state: (index: RemoteIndex, version: String?), totals: PushTotals) {
        let shared = Locked(state)
        let totals = Locked(PushTotals())
        let progress = project.progress
        let store = project.store
        let remote = self.remote
        try ParallelWork.run(batches.count, workers: remote.transfers) { position in
            let packs = try OutgoingPack.build(batches[position].ids, from: store, in: "\(staging)/\(position)")
            for pack in packs {
                try pack.upload(to: remote.transport) { progress.advance(bytes: $0, items: 0) }
                progress.advance(bytes: 0, items: pack.record.objects)
            }
            try shared.withLock { current in
                current = try remote.updateIndex(from: current) { $0.register(packs.map(\.record)) }
            }
            try? FileSystem.removeTree("\(staging)/\(position)")
            totals.withLock { $0.add(packs) }
        }
        return (shared.withLock { $0 }, totals.withLock { $0 })
    }

    /// Commits, trees and chunk lists, uploaded but not yet listed in the index.
    func sendMetadata(_ ids: [ObjectID], staging: String) throws -> [OutgoingPack] {
        guard !ids.isEmpty else { return [] }
        let packs = try OutgoingPack.build(ids, from: project.store, in: "\(staging)/metadata")
        let progress = project.progress
        let transport = remote.transport
        try ParallelWork.run(packs.count, workers: remote.transfers) { position in
            try packs[position].upload(to: transport) { progress.advance(bytes: $0, items: 0) }
            progress.advance(bytes: 0, items: packs[position].record.objects)
        }
        return packs
    }

    /// Last: one conditional write lists the metadata packs and moves the branches. A branch
    /// that moved on the remote since it was read refuses the push (unless forced).
    func publish(_ packs: [OutgoingPack], planned: [PlannedUpdate], state: (index: RemoteIndex, version: String?)) throws {
        let force = self.force
        let remoteName = remote.name
        try remote.updateIndex(from: state) { index in
            index.register(packs.map(\.record))
            for plan in planned {
                guard let branch = plan.update.branch else { continue }
                let now = index.head(repo: plan.update.repo, branch: branch).flatMap { ObjectID(hex: $0) }
                if now != plan.update.old, !force {
                    throw RemoteError.nonFastForward(repo: plan.update.repo, branch: branch, remote: remoteName)
                }
                var repo = index.repos[plan.update.repo] ?? RemoteRepoRecord(mount: plan.mount, defaultBranch: plan.defaultBranch)
                repo.branches[branch] = plan.update.new.hex
                index.repos[plan.update.repo] = repo
            }
        }
    }
}
