import DverCore
import DverStore
import DverSystem

/// One changed path: `old` nil for an addition, `new` nil for a deletion.
public struct Change: Sendable, Equatable {
    public enum Kind: String, Sendable { case added, modified, deleted }

    public var path: String
    public var old: FileRef?
    public var new: FileRef?

    public var kind: Kind {
        if old == nil { return .added }
        if new == nil { return .deleted }
        return .modified
    }
}

/// Status of one repo's workspace.
public struct RepoStatus: Sendable {
    public var repo: RepoRecord
    public var head: ObjectID?
    /// Index versus the checked-out commit: what `dver commit` would record.
    public var staged: [Change] = []
    /// Workspace versus the index: what `dver add` would stage.
    public var unstaged: [Change] = []
    /// Files under the mount that the index does not track.
    public var untracked: [String] = []
    /// What dver never tracks, shown so nothing is skipped silently: nested `.git` and `.dver`
    /// entries, and names that are not valid UTF-8 (spelled with `\xNN` escapes).
    public var ignored: [String] = []
    /// A checkout of this repo that was killed part-way (`.dver/checkout.json`): its target.
    public var interruptedCheckout: CheckoutIntent.Switch?
    /// The merge in progress in this repo (`.dver/merge.json`).
    public var merge: MergeState.Merge?
    /// Temporary files left in the workspace by a killed checkout or restore; checkout removes them.
    var leftovers: [String] = []
    var refreshedStatCache = false

    public var isClean: Bool { staged.isEmpty && unstaged.isEmpty && untracked.isEmpty && interruptedCheckout == nil && merge == nil }
}

extension Project {
    /// Status of the given repos (all when empty). Reads no file data for files whose stat data
    /// is unchanged; refreshes the stat cache when it can take the workspace lock without waiting.
    public func status(repos names: [String] = []) throws -> [RepoStatus] {
        var workspace = try Workspace.load(self)
        let selected = try names.isEmpty ? workspace.registry.repos.sorted { $0.name < $1.name } : names.map { try repo(named: $0) }
        var results = [RepoStatus]()
        let merges = try MergeState.load(layout)
        for repo in selected {
            var status = try workspace.status(of: repo, progress: progress)
            status.merge = merges.repos[repo.name]
            results.append(status)
        }
        if results.contains(where: \.refreshedStatCache) {
            // Best effort: a busy lock means another command is changing the index anyway, and
            // an index rewritten since we loaded it (new mtime) must not be overwritten.
            if let lock = try? FileLock(path: "\(layout.locksDirectory)/workspace.lock", timeout: 0) {
                defer { lock.unlock() }
                let onDisk = try FileSystem.linkStatusIfExists(layout.workspaceIndexFile)?.modificationNanoseconds ?? 0
                if onDisk == workspace.index.loadedTime { try workspace.index.save(layout.workspaceIndexFile) }
            }
        }
        return results
    }
}
