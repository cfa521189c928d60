import DverCore
import DverStore
import DverSystem
import Foundation

/// Which side wins a conflict.
public enum MergeSide: String, Sendable, CaseIterable {
    /// The checked-out branch's version.
    case ours
    /// The merged revision's version.
    case theirs
}

/// How `dver merge` settles conflicts by itself: per-path rules first (`theirs` rules before
/// `ours` rules), then the strategy; conflicts neither settles stop the merge.
public struct MergeOptions: Sendable {
    public var strategy: MergeSide?
    public var ours: [PathPattern] = []
    public var theirs: [PathPattern] = []
    /// The merge commit's message (default: "Merge REV into REPO@BRANCH").
    public var message: String?

    public init(strategy: MergeSide? = nil, ours: [PathPattern] = [], theirs: [PathPattern] = [], message: String? = nil) {
        self.strategy = strategy
        self.ours = ours
        self.theirs = theirs
        self.message = message
    }

    /// The side chosen for a conflict at `path` (relative to the repo's mount), if any.
    func side(for path: String, isDirectory: Bool) -> MergeSide? {
        // --theirs rules come before --ours rules (a path both match goes to theirs).
        if theirs.contains(where: { $0.matchesPathOrParent(path, isDirectory: isDirectory) }) { return .theirs }
        if ours.contains(where: { $0.matchesPathOrParent(path, isDirectory: isDirectory) }) { return .ours }
        return strategy
    }
}

/// What `dver merge` did.
public struct MergeResult: Sendable {
    public enum Outcome: Sendable {
        /// Their revision is already part of the branch.
        case upToDate
        /// The branch moved forward to their revision.
        case fastForward(CheckoutResult)
        /// A three-way merge is staged; `commit` finishes it (done by the CLI when nothing conflicts).
        case staged
        /// Conflicts stop the merge: resolve them, then `dver commit`.
        case conflicts([MergeState.Conflict])
    }

    public var repo: String
    public var branch: String?
    public var ours: ObjectID?
    public var theirs: ObjectID
    public var base: ObjectID?
    public var outcome: Outcome
    /// Their changes taken into the workspace (including conflicts settled their way).
    public var taken: [Change] = []
    /// Conflicts settled by `--strategy` or a per-path rule, with the side that won.
    public var settled: [(path: String, side: MergeSide)] = []
    /// The default commit message.
    public var message = ""
}

extension Project {
    /// Merges a revision into the checked-out branch (or detached commit) of its repo:
    /// nothing when it is already contained, a fast-forward when possible, otherwise a
    /// three-way merge of the trees against their merge base, path by path. Their changes are
    /// written to the workspace and staged; conflicting paths keep our version and are listed in
    /// `.dver/merge.json` until resolved. The merge commit is made by `commit` (two parents).
    /// - Throws: `RepositoryError.uncommittedChanges` when the repo has uncommitted changes (or
    ///   an untracked file is in the way), `.mergeInProgress`, `.unknownRevision`.
    public func merge(_ theirsSpec: RevisionSpec, options: MergeOptions = MergeOptions()) throws -> MergeResult {
        try withWorkspaceLock {
            var (workspace, record, state, status) = try prepareThreeWay(repo: theirsSpec.repo, operation: "merge")
            let theirs = try resolve(theirsSpec).commit
            let ours = try headCommit(of: record)
            let label = theirsSpec.description
            let target = "\(record.name)@\(record.branch ?? "detached")"
            var result = MergeResult(repo: record.name, branch: record.branch, ours: ours, theirs: theirs, outcome: .upToDate)
            result.message = options.message ?? "Merge \(label) into \(target)"
            if let ours, try ours == theirs || descends(ours, from: theirs) { return result }
            let fastForward = try ours.map { try descends(theirs, from: $0) } ?? true
            if fastForward {
                // Fast-forward: check the commit out, then move the branch (as pull does).
                let checkout = try workspace.checkout(record, commit: theirs, branch: record.branch, force: false)
                if let branch = record.branch { try refs.update(repo: record.name, branch: branch, to: theirs, expected: ours) }
                try workspace.save()
                result.outcome = .fastForward(checkout)
                return result
            }
            guard let ours else { return result }
            let base = try mergeBase(ours, theirs)
            result.base = base
            let tree = { (commit: ObjectID?) throws -> ObjectID? in try commit.map { try self.store.decodeCommit($0).tree } }
            let merge = MergeState.Merge(ours: ours.hex, theirs: theirs.hex, theirsLabel: label, base: base?.hex,
                                         branch: record.branch, message: result.message, conflicts: [])
            try stageThreeWay(&workspace, state: &state, merge: merge, status: status, result: &result,
                              trees: (try tree(base), try tree(ours), try tree(theirs)), options: options)
            return result
        }
    }

    /// Undoes a commit with a new one: their changes are the commit's parent against the
    /// commit itself (the first parent of a merge), merged three-way into the checked-out
    /// commit like `merge`, conflicts included. The revert commit has one parent.
    /// - Throws: as `merge`.
    public func revert(_ spec: RevisionSpec, options: MergeOptions = MergeOptions()) throws -> MergeResult {
        try withWorkspaceLock {
            var (workspace, record, state, status) = try prepareThreeWay(repo: spec.repo, operation: "revert")
            let reverted = try resolve(spec).commit
            guard let ours = try headCommit(of: record) else {
                throw RepositoryError.unknownRevision(spec.description, reason: "repo '\(record.name)' has no commits yet")
            }
            guard try descends(ours, from: reverted) else {
                throw RepositoryError.unknownRevision(spec.description, reason: "it is not in the history of the checked-out commit, so there is nothing of it to undo")
            }
            let commit = try store.decodeCommit(reverted)
            let subject = commit.message.split(separator: "\n").first.map(String.init) ?? ""
            var result = MergeResult(repo: record.name, branch: record.branch, ours: ours, theirs: reverted, outcome: .staged)
            result.message = options.message ?? "Revert \"\(subject)\"\n\nThis reverts commit \(reverted.hex)."
            let parentTree = try commit.parents.first.map { try store.decodeCommit($0).tree }
            var merge = MergeState.Merge(ours: ours.hex, theirs: reverted.hex, theirsLabel: "revert of \(reverted.shortHex())", base: reverted.hex,
                                         branch: record.branch, message: result.message, conflicts: [])
            merge.kind = .revert
            try stageThreeWay(&workspace, state: &state, merge: merge, status: status, result: &result,
                              trees: (commit.tree, try store.decodeCommit(ours).tree, parentTree), options: options)
            if case .staged = result.outcome, result.taken.isEmpty {
                // Nothing left to undo (already reverted): no empty commit.
                state.repos[record.name] = nil
                try state.save(layout, durable: writeSettings.durable)
                result.outcome = .upToDate
            }
            return result
        }
    }

    /// The checks before a merge or revert of `repo` changes anything: no interrupted
    /// checkout, no merge in progress, no uncommitted change.
    private func prepareThreeWay(repo name: String, operation: String) throws
        -> (workspace: Workspace, record: RepoRecord, state: MergeState, status: RepoStatus) {
        var workspace = try Workspace.load(self)
        guard let record = workspace.registry.record(named: name) else { throw RepositoryError.unknownRepo(name) }
        try workspace.ensureNoInterruptedCheckout(record)
        let state = try MergeState.load(layout)
        if state.repos[record.name] != nil { throw RepositoryError.mergeInProgress(repo: record.name) }
        let status = try workspace.status(of: record, progress: progress)
        let dirty = Set((status.staged + status.unstaged).map(\.path))
        if !dirty.isEmpty {
            throw RepositoryError.uncommittedChanges(operation: operation, paths: dirty.sorted { $0.precedesInByteOrder($1) })
        }
        return (workspace, record, state, status)
    }

    /// Plans the three-way merge of `trees` (base, ours, theirs), records `merge` in
    /// `.dver/merge.json` before any file changes, then writes and stages their changes.
    private func stageThreeWay(_ workspace: inout Workspace, state: inout MergeState, merge: MergeState.Merge, status: RepoStatus,
                               result: inout MergeResult, trees: (base: ObjectID?, ours: ObjectID?, theirs: ObjectID?),
                               options: MergeOptions) throws {
        guard let record = workspace.registry.record(named: result.repo) else { throw RepositoryError.unknownRepo(result.repo) }
        let plan = try workspace.planMerge(record, baseTree: trees.base, oursTree: trees.ours, theirsTree: trees.theirs, options: options)
        result.taken = plan.take
        result.settled = plan.settled
        let incoming = Set(plan.take.compactMap { $0.new == nil ? nil : $0.path })
        let blocked = Workspace.untrackedInTheWay(status.untracked, incoming: incoming)
        if !blocked.isEmpty { throw RepositoryError.uncommittedChanges(operation: merge.kind == .revert ? "revert" : "merge", paths: blocked) }
        // Recorded before a file changes: a kill leaves a merge that --abort undoes.
        var merge = merge
        merge.conflicts = plan.conflicts
        state.repos[record.name] = merge
        try state.save(layout, durable: writeSettings.durable)
        try workspace.apply(plan.take, to: record)
        try workspace.save()
        let unresolved = plan.conflicts.filter { !$0.resolved }
        result.outcome = unresolved.isEmpty ? .staged : .conflicts(unresolved)
    }

    /// Gives up the merge in progress in `repo`: the workspace and index return to the commit
    /// the merge started from (changes made since are discarded, as `git merge --abort` does).
    /// - Throws: `RepositoryError.noMergeInProgress`.
    public func abortMerge(repo name: String) throws -> CheckoutResult {
        try withWorkspaceLock {
            var state = try MergeState.load(layout)
            guard let merge = state.repos[name], let ours = ObjectID(hex: merge.ours) else { throw RepositoryError.noMergeInProgress(repo: name) }
            var workspace = try Workspace.load(self)
            guard let record = workspace.registry.record(named: name) else { throw RepositoryError.unknownRepo(name) }
            let result = try workspace.checkout(record, commit: ours, branch: record.branch, force: true)
            try workspace.save()
            state.repos[name] = nil
            try state.save(layout, durable: writeSettings.durable)
            return result
        }
    }

    /// Puts one side's version of conflicted paths into the workspace and stages it (a path
    /// that side deleted is deleted), marking the conflicts resolved.
    /// - Returns: the paths resolved.
    /// - Throws: `RepositoryError.noMergeInProgress`, `.pathNotFound` for a path with no conflict.
    public func resolveConflicts(_ paths: [String], side: MergeSide) throws -> [String] {
        try withWorkspaceLock {
            var state = try MergeState.load(layout)
            var workspace = try Workspace.load(self)
            var resolved = [String]()
            for path in paths {
                guard let record = workspace.registry.record(containing: path) else { throw RepositoryError.notInAnyRepo(path) }
                guard let merge = state.repos[record.name] else { throw RepositoryError.noMergeInProgress(repo: record.name) }
                let conflicts = merge.conflicts.filter { RepoPath.isWithin($0.path, path) }
                guard !conflicts.isEmpty else { throw RepositoryError.pathNotFound("\(path) (no conflict of the merge in '\(record.name)' there)") }
                // A file/directory collision keeps our files with --ours; their side needs a hand.
                let collisions = conflicts.filter { $0.reason.contains("directory") }
                if side == .theirs, let collision = collisions.first {
                    throw RepositoryError.mergeCollision(path: collision.path, reason: collision.reason)
                }
                let changes = conflicts.filter { !$0.reason.contains("directory") }.map { conflict in
                    Change(path: conflict.path, old: conflict.ours?.ref, new: (side == .ours ? conflict.ours : conflict.theirs)?.ref)
                }
                try workspace.apply(changes, to: record)
                _ = state.resolve(repo: record.name, paths: conflicts.map(\.path))
                resolved += conflicts.map(\.path)
            }
            try workspace.save()
            try state.save(layout, durable: writeSettings.durable)
            return resolved
        }
    }

    /// Marks the conflicts at or below `paths` resolved (they were just staged by add or rm).
    func markResolved(_ paths: [String]) throws {
        var state = try MergeState.load(layout)
        guard !state.repos.isEmpty else { return }
        var changed = false
        for name in Array(state.repos.keys) where state.resolve(repo: name, paths: paths) { changed = true }
        if changed { try state.save(layout, durable: writeSettings.durable) }
    }

    /// The merges in progress, by repo.
    public func mergesInProgress() throws -> [String: MergeState.Merge] { try MergeState.load(layout).repos }

    /// The best common ancestor of two commits: a common ancestor that no other common
    /// ancestor descends from (the newest, if several: a criss-cross history). nil when the
    /// histories share nothing.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws -> ObjectID? {
        let ofA = try ancestors(of: a)
        var common = [ObjectID]()
        var pending = [b]
        var seen = Set<ObjectID>()
        while let id = pending.popLast() {
            guard seen.insert(id).inserted else { continue }
            if ofA.contains(id) {
                common.append(id)
                continue  // its ancestors are common too, and not better
            }
            pending.append(contentsOf: try store.decodeCommit(id).parents)
        }
        var best = [(id: ObjectID, time: Int64)]()
        for candidate in common where try !common.contains(where: { try $0 != candidate && descends($0, from: candidate) }) {
            best.append((candidate, try store.decodeCommit(candidate).time))
        }
        return best.max { $0.time < $1.time }?.id
    }

    private func ancestors(of commit: ObjectID) throws -> Set<ObjectID> {
        var result = Set<ObjectID>()
        var pending = [commit]
        while let id = pending.popLast() {
            guard result.insert(id).inserted else { continue }
            pending.append(contentsOf: try store.decodeCommit(id).parents)
        }
        return result
    }
}

extension Workspace {
    /// A three-way merge's decisions, path by path.
    struct MergePlan {
        /// Their changes to take (workspace and index), including conflicts settled for them.
        var take: [Change] = []
        var conflicts: [MergeState.Conflict] = []
        var settled: [(path: String, side: MergeSide)] = []
    }

    /// Compares both sides' changes since the base (subtrees equal on a side are not read).
    func planMerge(_ repo: RepoRecord, baseTree: ObjectID?, oursTree: ObjectID?, theirsTree: ObjectID?, options: MergeOptions) throws -> MergePlan {
        let ourChanges = try project.diffTrees(baseTree, oursTree, prefix: repo.mount)
        let theirChanges = try project.diffTrees(baseTree, theirsTree, prefix: repo.mount)
        var ourByPath = [String: Change](minimumCapacity: ourChanges.count)
        for change in ourChanges { ourByPath[change.path] = change }
        var plan = MergePlan()
        var conflicted = [(change: Change, reason: String, ours: FileRef?)]()
        for change in theirChanges {
            guard let mine = ourByPath[change.path] else {
                plan.take.append(change)
                continue
            }
            if FileRef.same(mine.new, change.new) { continue }  // the same change on both sides
            let reason: String
            switch (mine.new, change.new) {
            case (nil, _): reason = "deleted here, modified there"
            case (_, nil): reason = "modified here, deleted there"
            default: reason = change.old == nil ? "added on both sides" : "modified on both sides"
            }
            conflicted.append((change, reason, mine.new))
        }
        // A file on one side where the other side has files below it: only additions can collide.
        if plan.take.contains(where: { $0.old == nil && $0.new != nil }) {
            let collisions = collisionsOf(plan.take, repo: repo)
            for change in plan.take { if let reason = collisions[change.path] { conflicted.append((change, reason, nil)) } }
            plan.take.removeAll { collisions[$0.path] != nil }
        }
        for (change, reason, mine) in conflicted.sorted(by: { $0.change.path.precedesInByteOrder($1.change.path) }) {
            var conflict = MergeState.Conflict(path: change.path, reason: reason, base: change.old.map(MergeState.Version.init),
                                               ours: mine.map(MergeState.Version.init), theirs: change.new.map(MergeState.Version.init))
            let relative = String(change.path.dropFirst(repo.mount.count + 1))
            // A file/directory collision is never settled by a rule: one side's files must move.
            if !reason.contains("directory"), let side = options.side(for: relative, isDirectory: false) {
                conflict.resolved = true
                plan.settled.append((change.path, side))
                if side == .theirs { plan.take.append(Change(path: change.path, old: mine, new: change.new)) }
            }
            plan.conflicts.append(conflict)
        }
        return plan
    }

    /// Their additions that collide with our files: a file of ours where they add below it,
    /// or files of ours below where they add one.
    private func collisionsOf(_ take: [Change], repo: RepoRecord) -> [String: String] {
        var ourFiles = Set(index.range(under: repo.mount).compactMap { index.entries[$0].base == nil ? nil : index.entries[$0].path })
        for change in take {
            if change.new == nil { ourFiles.remove(change.path) } else { ourFiles.insert(change.path) }
        }
        let sortedOurs = ourFiles.sorted { $0.precedesInByteOrder($1) }
        func hasFiles(under directory: String) -> Bool {
            let prefix = directory + "/"
            var low = 0, high = sortedOurs.count
            while low < high {
                let middle = (low + high) / 2
                if sortedOurs[middle].precedesInByteOrder(prefix) { low = middle + 1 } else { high = middle }
            }
            return low < sortedOurs.count && sortedOurs[low].hasPrefix(prefix)
        }
        var collisions = [String: String]()
        for change in take where change.new != nil && change.old == nil {
            if Self.ancestors(of: change.path).contains(where: { $0.count > repo.mount.count && ourFiles.contains($0) }) {
                collisions[change.path] = "file here, directory there"
            } else if hasFiles(under: change.path) {
                collisions[change.path] = "directory here, file there"
            }
        }
        return collisions
    }

    /// Writes `changes` (new versions; nil deletes) into the workspace and stages them; the
    /// index keeps our commit as the base, so `status` shows them as staged.
    mutating func apply(_ changes: [Change], to repo: RepoRecord) throws {
        guard !changes.isEmpty else { return }
        let restorer = try FileRestorer(project: project, mounts: registry.repos.map(\.mount))
        let writes = changes.compactMap { change in change.new.map { (path: change.path, ref: $0) } }
        try restorer.checkSymlinks(writes.filter { $0.ref.kind == .symlink })
        for change in changes where change.new == nil {
            if FileSystem.exists(project.absolutePath(change.path)) || (try? FileSystem.linkStatus(project.absolutePath(change.path))) != nil {
                try restorer.files.removeFile(change.path)
            }
            restorer.files.pruneEmptyDirectories(above: change.path, mount: repo.mount)
            if let position = index.find(change.path) {
                index.entries[position].staged = nil
                if index.entries[position].base == nil { index.entries.remove(at: position) }
            }
        }
        let statuses = try restorer.restore(writes)
        for (write, stat) in zip(writes, statuses) {
            let base = index.find(write.path).flatMap { index.entries[$0].base }
            index.upsert(IndexEntry(path: write.path, staged: write.ref, base: base, stat: stat))
        }
        indexChanged = true
    }
}
