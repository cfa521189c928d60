import DverCore
import DverStore
import DverSystem
import Dispatch
import Foundation

/// One repo's new commit.
public struct CommittedRepo: Sendable {
    public var repo: String
    public var branch: String?
    public var commit: ObjectID
    public var parent: ObjectID?
    /// How many paths the commit added, modified and deleted (counts, not a list: a first
    /// commit of a million files would otherwise hold a million changes).
    public var changes: ChangeCounts
}

/// Paths added, modified and deleted by a commit.
public struct ChangeCounts: Sendable, Equatable {
    public var added = 0
    public var modified = 0
    public var deleted = 0

    public init(added: Int = 0, modified: Int = 0, deleted: Int = 0) {
        self.added = added
        self.modified = modified
        self.deleted = deleted
    }

    public var total: Int { added + modified + deleted }

    /// Counts one staged change from `old` to `new`.
    mutating func count(old: FileRef?, new: FileRef?) {
        if old == nil { added += 1 } else if new == nil { deleted += 1 } else { modified += 1 }
    }
}

/// What `dver commit` did.
public struct CommitResult: Sendable {
    public var commitSet: CommitSetID?
    public var commits: [CommittedRepo] = []
}

extension Project {
    /// Commits every repo (or the named ones) with staged changes; all commits share one
    /// commit-set id. A repo with a merge in progress (`.dver/merge.json`) gets a commit with
    /// two parents, staged changes or not, once its conflicts are resolved; `message` nil takes
    /// the merge's message. Write order: tree and commit objects (durable packs), the
    /// commit-set record, then each branch ref by compare-and-swap, then the index, then the
    /// merge record.
    /// - Throws: `RepositoryError.unresolvedConflicts` before anything is written.
    /// - Throws: `StoreError.refConflict` if a branch moved meanwhile (nothing is lost: the
    ///   index still holds the staged changes).
    public func commit(message: String?, repos names: [String] = [], gitHead: String = "",
                       author explicitAuthor: String? = nil, now: Date = Date()) throws -> CommitResult {
        let author = explicitAuthor ?? self.author
        return try withWorkspaceLock {
            var workspace = try Workspace.load(self)
            var merges = try MergeState.load(layout)
            let selected = try names.isEmpty ? workspace.registry.repos : names.map { try repo(named: $0) }
            var result = CommitResult()
            var pending = [(repo: RepoRecord, commit: ObjectID, parent: ObjectID?, changes: ChangeCounts)]()
            let writer = makeWriter()
            let setID = CommitSetID.random()
            let time = Int64((now.timeIntervalSince1970 * 1e9).rounded())
            let offset = Int16(TimeZone.current.secondsFromGMT(for: now) / 60)
            do {
                for repo in selected {
                    try workspace.ensureNoInterruptedCheckout(repo)
                    if let unresolved = merges.repos[repo.name]?.unresolved, !unresolved.isEmpty {
                        throw RepositoryError.unresolvedConflicts(repo: repo.name, paths: unresolved.map(\.path))
                    }
                }
                for repo in selected.sorted(by: { $0.name < $1.name }) {
                    let range = workspace.index.range(under: repo.mount)
                    var changes = ChangeCounts()
                    var stagedPositions = [Int]()
                    stagedPositions.reserveCapacity(range.count)
                    for position in range {
                        let entry = workspace.index.entries[position]
                        if entry.staged != nil { stagedPositions.append(position) }
                        if entry.hasStagedChange { changes.count(old: entry.base, new: entry.staged) }
                    }
                    let merging = merges.repos[repo.name]
                    if changes.total == 0, merging == nil { continue }
                    guard let message = message ?? merging?.message else { throw RepositoryError.messageRequired }
                    try verifyPresent(stagedIn: range, of: workspace.index, repo: repo.name)
                    let prefixLength = repo.mount.utf8.count + 1
                    let index = workspace.index
                    // Read from the index where it is: no list of (path, version) is built.
                    let files = stagedPositions.lazy.map { position in
                        let entry = index.entries[position]
                        return TreeBuilder.File(path: entry.path, ref: entry.staged!)  // stagedPositions holds only staged entries
                    }
                    let tree = try TreeBuilder.build(files, dropping: prefixLength, writer: writer)
                    let parent = try headCommit(of: repo)
                    var parents = parent.map { [$0] } ?? []
                    if let merging, merging.kind != .revert, let theirs = ObjectID(hex: merging.theirs) { parents.append(theirs) }
                    let commit = Commit(repo: repo.name, tree: tree, parents: parents, time: time,
                                        timeZoneOffsetMinutes: offset, author: author, message: message,
                                        commitSet: setID, gitHead: gitHead)
                    let id = try writer.put(encoded: commit.encoded(), kind: .commit)
                    pending.append((repo, id, parent, changes))
                }
                _ = try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            guard !pending.isEmpty else { throw RepositoryError.nothingToCommit }
            result.commitSet = setID
            try CommitSetRecord(id: setID, time: time, message: message ?? pending.compactMap { merges.repos[$0.repo.name]?.message }.first ?? "",
                                commits: Dictionary(uniqueKeysWithValues: pending.map { ($0.repo.name, $0.commit.hex) }))
                .save(in: layout.commitSetsDirectory, durable: writeSettings.durable)
            for item in pending {
                var repo = item.repo
                if let branch = repo.branch {
                    try refs.update(repo: repo.name, branch: branch, to: item.commit, expected: item.parent)
                } else {
                    repo.detachedCommit = item.commit.hex
                    workspace.registry.update(repo)
                }
                workspace.markCommitted(repo, commit: item.commit)
                result.commits.append(CommittedRepo(repo: repo.name, branch: repo.branch, commit: item.commit,
                                                    parent: item.parent, changes: item.changes))
            }
            try workspace.save()
            let finished = pending.map(\.repo.name).filter { merges.repos[$0] != nil }
            if !finished.isEmpty {
                for name in finished { merges.repos[name] = nil }
                try merges.save(layout, durable: writeSettings.durable)
            }
            return result
        }
    }
}

extension Workspace {
    /// After a commit: the staged versions become the base; staged deletions disappear.
    mutating func markCommitted(_ repo: RepoRecord, commit: ObjectID) {
        // In place: staged deletions drop out, every other entry's base becomes its staged version.
        let range = index.range(under: repo.mount)
        var kept = range.lowerBound
        for position in range {
            guard let staged = index.entries[position].staged else { continue }
            if kept != position { index.entries.swapAt(kept, position) }
            index.entries[kept].base = staged
            kept += 1
        }
        index.entries.removeSubrange(kept..<range.upperBound)
        index.bases[repo.name] = commit
    }
}

extension Project {
    /// Checks that every object the staged changes in `range` reference — chunks, chunk-list
    /// nodes — is in the store, before anything is written: the index may be damaged or stale,
    /// and a commit must never name an object that does not exist. The range is cut into one
    /// part per core: a lookup in a large store waits on memory (at 10M objects, each is a few
    /// cache misses in the multi-pack index), and two cores wait on twice as many at once.
    /// - Throws: `RepositoryError.stagedObjectMissing` for the first missing object in path order.
    func verifyPresent(stagedIn range: Range<Int>, of index: WorkspaceIndex, repo: String) throws {
        let parts = max(1, min(System.coreCount, range.count / 4096))
        let firstErrors = Locked([(any Error)?](repeating: nil, count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let lower = range.lowerBound + range.count * part / parts
            let upper = range.lowerBound + range.count * (part + 1) / parts
            do {
                for position in lower..<upper where index.entries[position].hasStagedChange {
                    if let staged = index.entries[position].staged { try verifyPresent(staged, repo: repo) }
                }
            } catch {
                firstErrors.withLock { $0[part] = error }
            }
        }
        if let error = firstErrors.withLock({ $0.lazy.compactMap { $0 }.first }) { throw error }
    }

    private func verifyPresent(_ ref: FileRef, repo: String) throws {
        guard store.contains(ref.id) else {
            throw RepositoryError.stagedObjectMissing(repo: repo, id: ref.id)
        }
        if ref.chunked {
            for chunk in try ChunkListBuilder.chunks(of: ref.id, store: store) where !store.contains(chunk.id) {
                throw RepositoryError.stagedObjectMissing(repo: repo, id: chunk.id)
            }
        }
    }
}
