import DverCore
import DverStore
import DverSystem

/// What `dver gc` did (or would do).
public struct GarbageReport: Sendable {
    /// Temporary files and index-less packs left by interrupted writes.
    public var leftovers: [String] = []
    public var packsBefore = 0
    public var packsAfter = 0
    public var objectsKept = 0
    public var objectsDropped = 0
    public var bytesBefore: UInt64 = 0
    public var bytesAfter: UInt64 = 0
}

extension Project {
    /// Deletes leftovers of interrupted writes and rewrites the live objects of packs that hold
    /// unreachable objects, or that are small, into one new pack; then deletes the old packs.
    /// Live = reachable from any branch, detached head, commit set or index entry.
    /// Holds the objects, workspace and refs locks, so no commit, job or fetch can run meanwhile.
    /// With `compress`, packs holding small raw chunks (which `add` stores uncompressed for
    /// speed) are rewritten too, compressing those chunks where that helps.
    /// `extraRoots` are files kept live besides what the repos reach (pipeline results cached
    /// for reuse). Waits for pipeline jobs and fetches to finish (the objects lock, exclusive).
    public func collectGarbage(dryRun: Bool = false, compress: Bool = false,
                               extraRoots: () throws -> [FileRef] = { [] },
                               extraCommits: () throws -> [ObjectID] = { [] }) throws -> GarbageReport {
        let objects = try objectsLock(shared: false)
        defer { objects.unlock() }
        return try withWorkspaceLock {
            try refs.withLock {
                var report = GarbageReport()
                try removeLeftovers(&report, dryRun: dryRun)
                let live = try liveObjects(extraRoots: try extraRoots(), extraCommits: try extraCommits())
                let handles = store.packHandles
                report.packsBefore = handles.count
                var rewrite = [PackHandle]()
                for handle in handles {
                    let size = handle.index.packSize
                    report.bytesBefore += size
                    let liveCount = (0..<handle.index.count).filter { live.contains(handle.index.id(at: $0)) }.count
                    if liveCount < handle.index.count || size < UInt64(PackFormat.targetPackSize / 2)
                        || compress && holdsSmallRawChunks(handle.index) {
                        rewrite.append(handle)
                    } else {
                        report.bytesAfter += size
                        report.objectsKept += liveCount
                    }
                }
                if rewrite.count == 1, !compress, (0..<rewrite[0].index.count).allSatisfy({ live.contains(rewrite[0].index.id(at: $0)) }) {
                    // A single small pack, all live: rewriting it would gain nothing.
                    report.bytesAfter += rewrite[0].index.packSize
                    report.objectsKept += rewrite[0].index.count
                    rewrite = []
                }
                if dryRun || rewrite.isEmpty {
                    if !dryRun { try? store.updateMultiPackIndex(durable: writeSettings.durable, rebuild: true) }
                    report.packsAfter = report.packsBefore
                    report.bytesAfter = report.bytesBefore
                    return report
                }
                let writer = makeWriter()
                do {
                    for handle in rewrite {
                        for position in 0..<handle.index.count {
                            guard let entry = handle.index.entry(at: position) else { continue }
                            guard live.contains(entry.id) else {
                                report.objectsDropped += 1
                                continue
                            }
                            try writer.copy(entry, stored: try handle.storedBytes(entry))
                            report.objectsKept += 1
                        }
                    }
                    let statistics = try writer.finish()
                    report.bytesAfter += statistics.storedBytesWritten
                } catch {
                    writer.abandon()
                    throw error
                }
                try store.remove(packNames: rewrite.map(\.index.name))
                try? store.updateMultiPackIndex(durable: writeSettings.durable, rebuild: true)
                report.packsAfter = store.packHandles.count
                return report
            }
        }
    }

    private func holdsSmallRawChunks(_ index: PackIndex) -> Bool {
        (0..<index.count).contains { position in
            guard let entry = index.entry(at: position) else { return false }
            return entry.kind == .chunk && entry.codec == .raw && Int(entry.rawLength) < writeSettings.minimumCompressedChunk
                && entry.rawLength >= 64
        }
    }

    private func removeLeftovers(_ report: inout GarbageReport, dryRun: Bool) throws {
        let packNames = Set(try FileSystem.list(layout.packsDirectory).map(\.name))
        let layers = Set(store.multiPackChain)
        for name in packNames.sorted() {
            let orphan = name.hasSuffix(".pack") && !packNames.contains(String(name.dropLast(5)) + ".idx")
                || MultiPackIndex.isValidName(name) && !layers.contains(name)
            if orphan || name.contains(".tmp-") {
                report.leftovers.append("packs/\(name)")
                if !dryRun { try FileSystem.removeIfExists("\(layout.packsDirectory)/\(name)") }
            }
        }
        // Under gc's locks no add, fetch or pipeline job is writing here (a job holds the objects
        // lock for its whole run), so everything but a running push's staging directory is a
        // leftover: files of interrupted writes, datum directories of killed or kept jobs.
        // What cannot be deleted (another user's files) is reported, never fatal.
        for entry in try temporaryEntries() where entry.runningPush == nil {
            if !dryRun {
                do {
                    try FileSystem.removeTreeForcibly("\(layout.temporaryDirectory)/\(entry.name)")
                } catch {
                    progress.notice("could not delete \(entry.shownPath): \(error); delete it by hand")
                    continue
                }
            }
            report.leftovers.append(entry.shownPath)
        }
    }

    /// Every object reachable from refs, detached heads, commit sets, merges in progress, the
    /// index, `extraRoots` (files) and `extraCommits` (git pins).
    func liveObjects(extraRoots: [FileRef] = [], extraCommits: [ObjectID] = []) throws -> Set<ObjectID> {
        var live = Set<ObjectID>()
        var commits = extraCommits
        for record in try repos() { commits.append(contentsOf: try heads(of: record)) }
        for merge in try MergeState.load(layout).repos.values {
            commits.append(contentsOf: [merge.ours, merge.theirs].compactMap { ObjectID(hex: $0) })
        }
        for set in try CommitSetRecord.find(prefix: "", in: layout.commitSetsDirectory) {
            commits.append(contentsOf: set.commits.values.compactMap { ObjectID(hex: $0) })
        }
        func markFile(_ ref: FileRef) throws {
            guard live.insert(ref.id).inserted, ref.kind.isFile, ref.chunked else { return }
            try markList(ref.id)
        }
        func markList(_ id: ObjectID) throws {
            let node = try store.decodeChunkList(id)
            for entry in node.entries where live.insert(entry.id).inserted && node.level > 0 {
                try markList(entry.id)
            }
        }
        func markTree(_ id: ObjectID) throws {
            guard live.insert(id).inserted else { return }
            switch try store.decodeTree(id).content {
            case .interior(_, let children):
                for child in children { try markTree(child.id) }
            case .leaf(let entries):
                for entry in entries {
                    if entry.kind == .directory { try markTree(entry.id) } else { try markFile(FileRef(entry)) }
                }
            }
        }
        while let id = commits.popLast() {
            // Every pack's own index, not the multi-pack index: a live object must never look absent here.
            guard live.insert(id).inserted, store.locateInEveryPack(id) != nil else { continue }
            let commit = try store.decodeCommit(id)
            try markTree(commit.tree)
            commits.append(contentsOf: commit.parents)
        }
        for entry in try WorkspaceIndex.load(layout.workspaceIndexFile).entries {
            if let staged = entry.staged { try markFile(staged) }
            if let base = entry.base { try markFile(base) }
        }
        for ref in extraRoots where store.locateInEveryPack(ref.id) != nil { try markFile(ref) }
        return live
    }
}
