import DverCore
import DverRepository
import DverSystem
import Foundation

/// Which cached datum results `dver gc` keeps (docs/PIPELINES.md, "The datum cache"): those of
/// the jobs whose output commits are on a branch of their output repo (or of the last
/// `keepJobs` jobs of each pipeline, when given), of the jobs those reused results from, and
/// every result younger than the grace period. The others are pruned, and their output objects
/// become garbage once nothing else holds them.
public struct DatumCachePolicy: Sendable {
    /// Results written more recently are kept whatever their job (default 7 days).
    public var grace: TimeInterval = 7 * 86_400
    /// Keep the results of each pipeline's last N jobs instead of the jobs on a branch.
    public var keepJobs: Int?
    public var now = Date()

    public init(grace: TimeInterval = 7 * 86_400, keepJobs: Int? = nil, now: Date = Date()) {
        self.grace = grace
        self.keepJobs = keepJobs
        self.now = now
    }
}

/// What the datum cache holds and what a prune takes from it.
public struct DatumCacheUsage: Sendable, Equatable {
    public var entries = 0
    public var bytes: UInt64 = 0
    public var prunedEntries = 0
    public var prunedBytes: UInt64 = 0
}

extension JobRunner {
    /// The jobs whose cached results the policy keeps.
    public func jobsToKeep(_ policy: DatumCachePolicy) throws -> Set<String> {
        let records = try jobs.list()   // newest first
        var kept = Set<String>()
        if let keepJobs = policy.keepJobs {
            var counts = [String: Int]()
            for record in records where counts[record.pipeline, default: 0] < keepJobs {
                counts[record.pipeline, default: 0] += 1
                kept.insert(record.id)
            }
        } else {
            var onBranches = [String: Set<ObjectID>]()
            for record in records {
                guard let hex = record.outputCommit, let commit = ObjectID(hex: hex) else { continue }
                if onBranches[record.pipeline] == nil { onBranches[record.pipeline] = try commitsOnBranches(of: record.pipeline) }
                if onBranches[record.pipeline]?.contains(commit) == true { kept.insert(record.id) }
            }
        }
        // Results a kept job reused were made by earlier jobs: keep those too.
        for record in records where kept.contains(record.id) {
            for datum in record.datums { if let source = datum.reusedFrom { kept.insert(source) } }
        }
        return kept
    }

    /// Every commit reachable from a branch of `repo` (none when the repo is gone).
    private func commitsOnBranches(of repo: String) throws -> Set<ObjectID> {
        guard (try? project.repo(named: repo)) != nil else { return [] }
        var reached = Set<ObjectID>()
        var pending = try project.refs.branches(repo: repo).compactMap { try project.refs.read(repo: repo, branch: $0) }
        while let commit = pending.popLast() {
            guard reached.insert(commit).inserted, project.store.contains(commit) else { continue }
            pending.append(contentsOf: try project.store.decodeCommit(commit).parents)
        }
        return reached
    }

    /// Deletes the cache entries the policy does not keep (all of them are counted).
    public func pruneCache(_ policy: DatumCachePolicy, dryRun: Bool) throws -> DatumCacheUsage {
        let kept = try jobsToKeep(policy)
        var usage = DatumCacheUsage()
        try cache.forEachEntry { path, result, modified in
            usage.entries += 1
            usage.bytes += result.bytes
            guard !kept.contains(result.job), policy.now.timeIntervalSince(modified) >= policy.grace else { return }
            usage.prunedEntries += 1
            usage.prunedBytes += result.bytes
            if !dryRun { try FileSystem.removeIfExists(path) }
        }
        return usage
    }
}

extension DatumCache {
    /// Calls `body` with each entry's path, result and modification time (damaged entries are
    /// passed over: a lookup treats them as missing already).
    func forEachEntry(_ body: (String, DatumResult, Date) throws -> Void) throws {
        guard FileSystem.isDirectory(directory) else { return }
        for fanout in try FileSystem.list(directory) where FileSystem.isDirectory("\(directory)/\(fanout.name)") {
            for entry in try FileSystem.list("\(directory)/\(fanout.name)") {
                let path = "\(directory)/\(fanout.name)/\(entry.name)"
                guard let text = try? FileSystem.readText(path), let result = Self.decode(text),
                      let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                      let modified = attributes[.modificationDate] as? Date else { continue }
                try body(path, result, modified)
            }
        }
    }
}
