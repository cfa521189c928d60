import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// `dver gc --remote`: reclaims a remote's space without ever taking away what a reader, a
/// push in flight or a root still needs (docs/REMOTES.md, "Garbage collection"):
///
/// 1. Read `index.json` and `gc.json`, list `packs/`, and mark everything reachable from the
///    roots (the remote's branch heads and the caller's: git pins, commit sets, ...).
/// 2. Plan each listed pack: keep it (younger than the grace period, or mostly live), rewrite
///    its live objects into a new pack (mostly dead), or remove it (nothing live).
/// 3. Upload the new packs (unlisted), record the packs about to leave the index as tombstones
///    in `gc.json`, then one conditional write of `index.json` — against exactly the index that
///    was marked, or the whole collection starts again — lists the new packs and drops the
///    old ones.
/// 4. Delete only what no reader can need: packs tombstoned longer ago than the tombstone age
///    whose file was not written again since, and unlisted files older than the grace period.
public struct RemoteGarbageCollection {
    public struct Settings: Sendable {
        /// Nothing written more recently is deleted or rewritten (default 7 days).
        public var grace: TimeInterval = 7 * 86_400
        /// How long a pack taken out of the index stays on the remote for transfers that read
        /// an older index (default 1 day).
        public var tombstoneAge: TimeInterval = 86_400
        /// Packs whose live bytes are below this fraction of their records are rewritten.
        public var rewriteBelow = 0.5
        /// Report only.
        public var dryRun = false
        public var now = Date()

        public init() {}
    }

    public enum Action: String, Sendable, Codable {
        case keep, rewrite, remove
    }

    /// What happens to one listed pack, and why.
    public struct PackPlan: Sendable {
        public var name: String
        public var objects: Int
        public var liveObjects: Int
        /// Bytes of the pack file, and of its live records.
        public var bytes: UInt64
        public var liveBytes: UInt64
        public var action: Action
        public var reason: String
    }

    /// A file on the remote that no index lists.
    public struct Leftover: Sendable {
        public var key: String
        public var size: UInt64
        public var modified: Date
        public var deleted: Bool
        public var reason: String
    }

    public struct Report: Sendable {
        public var roots: [RemoteRoot] = []
        /// Roots whose commit the remote does not hold.
        public var absentRoots: [RemoteRoot] = []
        public var packs: [PackPlan] = []
        /// Packs written by the rewrite.
        public var newPacks: [RemotePackRecord] = []
        /// Tombstoned packs deleted now, and those kept until their age passes.
        public var tombstonesDeleted: [RemoteTombstones.Tombstone] = []
        public var tombstonesKept: [RemoteTombstones.Tombstone] = []
        public var leftovers: [Leftover] = []
        /// Bytes of packs and pack indexes on the remote before and after this run.
        public var bytesBefore: UInt64 = 0
        public var bytesAfter: UInt64 = 0
        /// Bytes of the packs this run took out of the index: deleted by a later run, once
        /// their tombstones are older than the tombstone age.
        public var bytesPending: UInt64 = 0
        /// What the branch heads hold: the sum of their files' sizes.
        public var logicalBytes: UInt64 = 0
        /// What a collection with these settings frees, once its tombstones have aged: removed
        /// and rewritten packs (less their live records), deletable leftovers and tombstones.
        public var reclaimableBytes: UInt64 = 0
        public var requests = 0
        public var dryRun = false
    }

    public let project: Project
    public let remote: Remote
    public let settings: Settings

    public init(project: Project, remote: Remote, settings: Settings) {
        self.project = project
        self.remote = remote
        self.settings = settings
    }

    /// Runs a collection from `extraRoots` and the remote's branch heads.
    /// - Throws: `RemoteError.concurrentUpdate` when the index kept changing under it (run
    ///   again), transfer and integrity errors. Nothing is deleted before the index is written.
    public func run(extraRoots: [RemoteRoot]) throws -> Report {
        let start = remote.transport.requestCount
        for attempt in 0..<5 {
            do {
                // Objects it downloads into the local store are named by nothing: keep a local gc out.
                var report = try project.withObjectWriters { try collect(extraRoots: extraRoots) }
                report.requests = remote.transport.requestCount - start
                return report
            } catch is IndexMoved {
                if attempt < 4 { usleep(useconds_t(100_000 * (attempt + 1))) }
            }
        }
        throw RemoteError.concurrentUpdate(url: remote.transport.displayURL)
    }

    /// The index changed between the mark and the write: the plan may be stale.
    private struct IndexMoved: Error {}

    private func collect(extraRoots: [RemoteRoot]) throws -> Report {
        var report = Report()
        report.dryRun = settings.dryRun
        let state = try remote.readIndex()
        var tombstones = try RemoteTombstones.read(remote.transport)
        let listing = try remote.transport.list(prefix: "packs/")
        let files = Dictionary(listing.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        report.bytesBefore = listing.reduce(0) { $0 + $1.size }

        // 1. Mark.
        var roots = [RemoteRoot]()
        for (repo, record) in state.index.repos.sorted(by: { $0.key < $1.key }) {
            for (branch, hex) in record.branches.sorted(by: { $0.key < $1.key }) {
                if let id = ObjectID(hex: hex) { roots.append(RemoteRoot(reason: "branch \(repo)@\(branch)", commit: id)) }
            }
        }
        roots += extraRoots
        let mark = try RemoteMark(roots: roots, project: project, remote: remote, index: state.index)
        report.roots = roots.filter { root in !mark.absentRoots.contains(root) }
        report.absentRoots = mark.absentRoots
        let reader = TreeReader(store: project.store)
        for root in roots where root.reason.hasPrefix("branch ") && project.store.contains(root.commit) {
            let tree = try project.store.decodeCommit(root.commit).tree
            report.logicalBytes += try reader.entries(tree).reduce(0) { $0 + $1.size }
        }

        // 2. Plan.
        let indexes = try remote.packIndexes(state.index.packs)
        var rewrite = [(id: ObjectID, kind: ObjectKind)]()
        var removing = [RemotePackRecord]()
        for (record, index) in zip(state.index.packs, indexes) {
            var plan = PackPlan(name: record.name, objects: index.count, liveObjects: 0, bytes: record.packSize, liveBytes: 0,
                                action: .keep, reason: "")
            var live = [(id: ObjectID, kind: ObjectKind)]()
            var recordBytes: UInt64 = 0
            for position in 0..<index.count {
                guard let entry = index.entry(at: position) else { continue }
                recordBytes += UInt64(entry.storedLength) + UInt64(PackFormat.recordHeaderSize)
                if mark.live.contains(entry.id) {
                    plan.liveObjects += 1
                    plan.liveBytes += UInt64(entry.storedLength) + UInt64(PackFormat.recordHeaderSize)
                    live.append((entry.id, entry.kind))
                }
            }
            let modified = files[record.packKey]?.modified ?? settings.now
            let liveFraction = recordBytes == 0 ? 1 : Double(plan.liveBytes) / Double(recordBytes)
            if settings.now.timeIntervalSince(modified) < settings.grace {
                plan.reason = "written \(Self.age(settings.now.timeIntervalSince(modified))) ago, inside the grace period"
            } else if plan.liveObjects == 0 {
                plan.action = .remove
                plan.reason = "nothing in it is reachable"
                removing.append(record)
            } else if plan.liveObjects < plan.objects, liveFraction < settings.rewriteBelow {
                plan.action = .rewrite
                plan.reason = "\(Int((1 - liveFraction) * 100))% of it is unreachable"
                removing.append(record)
                rewrite += live
            } else {
                plan.reason = "\(Int(liveFraction * 100))% of it is reachable"
            }
            report.packs.append(plan)
        }

        // Files no index lists: tombstoned packs, and leftovers of interrupted pushes or runs.
        let listed = Set(state.index.packs.flatMap { [$0.packKey, $0.indexKey] })
        let tombstoned = Dictionary(tombstones.record.tombstones.map { ($0.pack, $0) }, uniquingKeysWith: { first, _ in first })
        var deletions = [String]()
        var expired = Set<String>()
        for tombstone in tombstones.record.tombstones {
            let keys = ["packs/\(tombstone.pack).pack", "packs/\(tombstone.pack).idx"]
            if keys.contains(where: listed.contains) {
                expired.insert(tombstone.pack)   // listed again (re-sent by a push): no longer a tombstone
                continue
            }
            let removed = Date(timeIntervalSince1970: TimeInterval(tombstone.removed))
            let rewritten = files[keys[0]].map { Self.milliseconds($0.modified) != tombstone.packModified } ?? false
            if settings.now.timeIntervalSince(removed) >= settings.tombstoneAge, !rewritten {
                deletions += keys.filter { files[$0] != nil }
                expired.insert(tombstone.pack)
                report.tombstonesDeleted.append(tombstone)
            } else if rewritten {
                expired.insert(tombstone.pack)   // written again since: a push may be about to list it
            } else {
                report.tombstonesKept.append(tombstone)
            }
        }
        for file in listing where !listed.contains(file.key) {
            let name = Self.packName(file.key)
            if let name, tombstoned[name] != nil { continue }
            let age = settings.now.timeIntervalSince(file.modified)
            let old = age >= settings.grace
            report.leftovers.append(Leftover(key: file.key, size: file.size, modified: file.modified, deleted: old,
                                             reason: old ? "listed nowhere, written \(Self.age(age)) ago"
                                                         : "listed nowhere, but written \(Self.age(age)) ago: a push may still list it"))
            if old { deletions.append(file.key) }
        }
        // Spec blobs no pipeline name points to (replaced specs, or uploads of a push that
        // never finished), once older than the grace period.
        let named = Set(state.index.pipelines.values.map(RemoteIndex.specKey))
        var blobBytes: UInt64 = 0
        for file in try remote.transport.list(prefix: "pipelines/") where !named.contains(file.key) {
            let age = settings.now.timeIntervalSince(file.modified)
            let old = age >= settings.grace
            report.leftovers.append(Leftover(key: file.key, size: file.size, modified: file.modified, deleted: old,
                                             reason: old ? "a spec blob no pipeline names, written \(Self.age(age)) ago"
                                                         : "a spec blob no pipeline names yet, written \(Self.age(age)) ago: a push may still name it"))
            if old {
                deletions.append(file.key)
                blobBytes += file.size
            }
        }
        let pending = removing.reduce(UInt64(0)) { $0 + $1.packSize + $1.indexSize }
        let deletedBytes = deletions.reduce(UInt64(0)) { $0 + (files[$1]?.size ?? 0) } + blobBytes
        let rewrittenLive = report.packs.filter { $0.action == .rewrite }.reduce(UInt64(0)) { $0 + $1.liveBytes }
        report.reclaimableBytes = pending - min(pending, rewrittenLive) + deletedBytes
        guard !settings.dryRun else {
            report.bytesPending = pending
            report.bytesAfter = report.bytesBefore - min(report.bytesBefore, deletedBytes)
            return report
        }

        // 3. Rewrite, tombstone, publish.
        if !removing.isEmpty {
            report.newPacks = try rewritePacks(rewrite, packs: state.index.packs)
            let now = Int64(settings.now.timeIntervalSince1970)
            var record = tombstones.record
            record.tombstones.removeAll { expired.contains($0.pack) }
            record.tombstones += removing.map {
                RemoteTombstones.Tombstone(pack: $0.name, removed: now, packSize: $0.packSize, indexSize: $0.indexSize,
                                           packModified: files[$0.packKey].map { Self.milliseconds($0.modified) } ?? 0)
            }
            guard let version = try RemoteTombstones.write(record, remote.transport, expected: tombstones.version) else { throw IndexMoved() }
            tombstones = (record, version)
            expired = []
            let gone = Set(removing.map(\.name))
            let added = report.newPacks
            try remote.updateIndex(from: state) { index in
                // Only against the index that was marked: a push or another gc since then may
                // have made dead objects live again, or listed new packs.
                guard index.generation == state.index.generation else { throw IndexMoved() }
                index.packs.removeAll { gone.contains($0.name) }
                index.register(added)
            }
            report.bytesPending = pending
        }

        // 4. Delete what no reader can need, then forget the tombstones deleted. Re-checked
        //    against the index as it is now: a file listed since (a pack this run wrote, or one
        //    a push registered) is never deleted.
        let current = try remote.readIndex().index
        let nowListed = Set(current.packs.flatMap { [$0.packKey, $0.indexKey] } + current.pipelines.values.map(RemoteIndex.specKey))
        for key in deletions where !nowListed.contains(key) { try remote.transport.delete(key) }
        if !expired.isEmpty {
            var record = tombstones.record
            record.tombstones.removeAll { expired.contains($0.pack) }
            _ = try RemoteTombstones.write(record, remote.transport, expected: tombstones.version)
        }
        let after = try remote.transport.list(prefix: "packs/")
        report.bytesAfter = after.reduce(0) { $0 + $1.size }
        return report
    }

    /// Downloads the live objects of the packs being rewritten (verified, into the local store)
    /// and uploads them as new packs, unlisted.
    private func rewritePacks(_ objects: [(id: ObjectID, kind: ObjectKind)], packs: [RemotePackRecord]) throws -> [RemotePackRecord] {
        guard !objects.isEmpty else { return [] }
        let fetch = FetchOperation(project: project, remote: remote)
        _ = try fetch.withDownloader(packs: packs) { walker in
            let missing = objects.filter { !project.store.contains($0.id) }
            try walker.downloader.fetch(missing, keep: false)
        }
        let staging = "\(project.layout.temporaryDirectory)/gc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileSystem.removeTree(staging) }
        let built = try OutgoingPack.build(objects.map(\.id), from: project.store, in: staging)
        let transport = remote.transport
        try ParallelWork.run(built.count, workers: remote.transfers) { position in
            try built[position].upload(to: transport) { _ in }
        }
        return built.map(\.record)
    }

    /// `pack-HEX` from `packs/pack-HEX.pack` or `.idx`.
    static func packName(_ key: String) -> String? {
        guard key.hasPrefix("packs/") else { return nil }
        let file = key.dropFirst("packs/".count)
        for suffix in [".pack", ".idx"] where file.hasSuffix(suffix) {
            let name = file.dropLast(suffix.count)
            if NameRules.isPackName(name) { return String(name) }
        }
        return nil
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func age(_ seconds: TimeInterval) -> String {
        if seconds < 120 { return "\(Int(max(0, seconds))) s" }
        if seconds < 7_200 { return "\(Int(seconds / 60)) min" }
        if seconds < 172_800 { return "\(Int(seconds / 3_600)) h" }
        return "\(Int(seconds / 86_400)) days"
    }
}
