import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// Object transfers that move no ref: what pipeline workers and the coordinator that dispatches
/// them need. A worker downloads only the objects beneath its datums' inputs, and uploads the
/// pack holding its outputs without touching `index.json` (so hundreds of workers never contend
/// for it); the coordinator lists those packs in one conditional write when it collects them.
public struct RemoteObjects {
    public let project: Project
    public let remote: Remote

    public init(project: Project, remote: Remote) {
        self.project = project
        self.remote = remote
    }

    /// Downloads everything beneath `roots` (commits, trees, chunk lists or chunks, each of the
    /// kind given) that the local store lacks, from `packs`, verified as every fetch is; ranged
    /// reads fetch only those objects' records.
    /// - Returns: objects and bytes received.
    /// - Throws: `RemoteError.missingRemoteObject`, integrity and transport errors.
    public func download(roots: [(id: ObjectID, kind: ObjectKind)], packs: [RemotePackRecord]) throws -> (objects: Int, bytes: UInt64) {
        guard !roots.isEmpty else { return (0, 0) }
        return try project.withObjectWriters {
            try FetchOperation(project: project, remote: remote).withDownloader(packs: packs) { walker in
                try walker.walk(from: roots)
            }
        }
    }

    /// Uploads, as new packs, every object reachable from `commit` that none of `packs` holds,
    /// without listing them in `index.json`. Pack names are content-addressed, so uploading the
    /// same objects twice (a requeued worker) writes the same keys with the same bytes.
    /// - Returns: the records of the uploaded packs (empty when the remote had everything).
    public func uploadPacks(reachableFrom commit: ObjectID, besides packs: [RemotePackRecord]) throws -> [RemotePackRecord] {
        let known = RemoteObjectSet(records: packs, indexes: try remote.packIndexes(packs))
        let missing = try MissingObjects(from: [commit], store: project.store, skip: { known.contains($0) })
        let ids = missing.chunks + missing.metadata
        guard !ids.isEmpty else { return [] }
        let staging = "\(project.layout.temporaryDirectory)/upload-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileSystem.removeTree(staging) }
        let built = try OutgoingPack.build(ids, from: project.store, in: staging)
        for pack in built { try pack.upload(to: remote.transport) { _ in } }
        return built.map(\.record)
    }

    /// Lists uploaded packs in `index.json` (one conditional write), after checking that each
    /// exists and its index matches its name and record.
    /// - Throws: `RemoteError.corruptRemote` for a pack that is missing or does not verify.
    public func register(_ packs: [RemotePackRecord]) throws {
        guard !packs.isEmpty else { return }
        _ = try remote.packIndexes(packs)
        for pack in packs {
            guard let size = try remote.transport.size(of: pack.packKey), size == pack.packSize else {
                throw RemoteError.corruptRemote(url: remote.transport.displayURL, reason: "\(pack.packKey) is missing or not \(pack.packSize) bytes")
            }
        }
        try remote.updateIndex(from: try remote.readIndex()) { $0.register(packs) }
    }
}
