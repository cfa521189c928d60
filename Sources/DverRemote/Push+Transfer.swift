import DverCore
import DverStore
import DverSystem
import Foundation

/// A garbage collection took packs out of the index that a push relied on: it starts again.
struct PacksCollected: Error {}

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
    /// Steps 2 to 4 of the write order (docs/REMOTES.md): finds the objects the remote lacks,
    /// sends the chunks (registering each pack) and uploads the metadata packs, unlisted.
    /// - Returns: the index as last written and the metadata packs for the final write; nil
    ///   when there is nothing to send or write (bare commits the remote has, and not
    ///   `mustWrite`).
    func sendObjects(_ planned: [PlannedUpdate], state: (index: RemoteIndex, version: String?), mustWrite: Bool,
                     result: inout PushResult) throws -> (state: (index: RemoteIndex, version: String?), metadata: [OutgoingPack])? {
        let remoteObjects = RemoteObjectSet(records: state.index.packs, indexes: try remote.packIndexes(state.index.packs))
        let heads = planned.map { $0.update.new }
        let missing = try MissingObjects(from: heads, store: project.store, skip: { remoteObjects.contains($0) })
        if missing.chunks.isEmpty, missing.metadata.isEmpty, planned.allSatisfy({ $0.update.branch == nil }) {
            // Bare commits the remote already has: no objects to send.
            for index in result.updates.indices where result.updates[index].kind == .objectsOnly { result.updates[index].kind = .upToDate }
            return mustWrite ? (state, []) : nil
        }
        let staging = "\(project.layout.temporaryDirectory)/push-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileSystem.removeTree(staging) }
        let batches = try chunkBatches(missing.chunks)
        let total = batches.reduce(0) { $0 + $1.bytes } + UInt64(missing.metadata.count * 256)
        project.progress.start("pushing to \(remote.name)", totalBytes: total, totalItems: missing.chunks.count + missing.metadata.count)
        defer { project.progress.finish() }

        var (latest, totals) = try sendChunks(batches, state: state, staging: staging)
        let metadataPacks = try sendMetadata(missing.metadata, staging: staging)
        totals.add(metadataPacks)
        result.objectsSent = totals.objects
        result.bytesSent = totals.bytes
        result.packsSent = totals.packs
        return (latest, metadataPacks)
    }

    /// Steps 3 to 5 of the write order (docs/REMOTES.md): chunk packs, each registered in the
    /// remote index as soon as it is uploaded, several at once.
    /// - Returns: the index as last written, and what was sent.
    func sendChunks(_ batches: [(located: OutgoingPack.Located, bytes: UInt64)], state: (index: RemoteIndex, version: String?),
                    staging: String) throws -> (state: (index: RemoteIndex, version: String?), totals: PushTotals) {
        let shared = Locked(state)
        let totals = Locked(PushTotals())
        let progress = project.progress
        let remote = self.remote
        try ParallelWork.run(batches.count, workers: remote.transfers) { position in
            let packs = try OutgoingPack.build(batches[position].located, in: "\(staging)/\(position)")
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

    /// Last: one conditional write lists the metadata packs, moves the branches and lists the
    /// published specs (whose blobs are uploaded by then). A branch or spec that moved on the
    /// remote since it was read refuses the push (unless forced).
    /// - Returns: the index as written and its version.
    func publish(_ packs: [OutgoingPack], planned: [PlannedUpdate], specs outgoing: [(spec: SpecBlob, replacing: String?)],
                 state: (index: RemoteIndex, version: String?), relied: Set<String>) throws -> (index: RemoteIndex, version: String?) {
        let force = self.force
        let remoteName = remote.name
        // Every pack this push relied on (listed when it looked for missing objects, or
        // registered by it since) must still be listed, and its own unlisted packs still there.
        for pack in packs where try remote.transport.size(of: pack.record.packKey) != pack.record.packSize {
            throw PacksCollected()
        }
        return try remote.updateIndex(from: state) { index in
            guard relied.isSubset(of: index.packs.lazy.map(\.name)) else { throw PacksCollected() }
            index.register(packs.map(\.record))
            try list(outgoing, in: &index)
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
