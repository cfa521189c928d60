import DverCore
import DverStore
import DverSystem

/// The index and repo list as loaded for one command, with the bases of every repo brought up
/// to date with its checked-out commit.
struct Workspace {
    let project: Project
    var index: WorkspaceIndex
    var registry: RepoRegistry
    /// Set by changes that must be saved; commands that change nothing skip the rewrite.
    var indexChanged = false
    /// Statuses computed by `cachedStatus`, for commands taking several paths of one repo.
    private var statusCache = [String: RepoStatus]()
    /// Checkouts under way or interrupted (`.dver/checkout.json`).
    var intent: CheckoutIntent
    /// Repos whose checkout finished in this command: their intent is dropped by `save`.
    var finishedCheckouts = Set<String>()

    /// Loads the index and registry. Call under the workspace lock when the result is saved.
    static func load(_ project: Project) throws -> Workspace {
        var workspace = Workspace(project: project,
                                  index: try Trace.measure("load index") { try WorkspaceIndex.load(project.layout.workspaceIndexFile) },
                                  registry: try project.registry(), intent: try CheckoutIntent.load(project.layout))
        for repo in workspace.registry.repos { try workspace.refreshBase(of: repo) }
        return workspace
    }

    /// Saves the index and the repo list, then forgets the checkouts they now record.
    mutating func save() throws {
        try index.save(project.layout.workspaceIndexFile, durable: project.writeSettings.durable)
        try project.save(registry)
        if !finishedCheckouts.isEmpty {
            for repo in finishedCheckouts { intent.repos[repo] = nil }
            try intent.save(project.layout, durable: project.writeSettings.durable)
            finishedCheckouts = []
        }
    }

    /// Refuses to stage or commit while a checkout of `repo` is unfinished: the workspace
    /// holds a mix of two commits.
    /// - Throws: `RepositoryError.checkoutInterrupted`.
    func ensureNoInterruptedCheckout(_ repo: RepoRecord) throws {
        if let change = intent.repos[repo.name] {
            throw RepositoryError.checkoutInterrupted(repo: repo.name, target: change.to, branch: change.branch)
        }
    }

    /// If the repo's checked-out commit differs from the one the index describes (a commit
    /// interrupted after its ref update, or a ref moved by another process), recompute `base`
    /// for every entry. Paths of the commit missing from the index are added as tracked, so they
    /// show as deleted from the workspace rather than as staged deletions.
    mutating func refreshBase(of repo: RepoRecord) throws {
        let head = try project.headCommit(of: repo)
        if index.bases[repo.name] == head { return }
        var committed = [String: FileRef]()
        if let head {
            let commit = try project.store.decodeCommit(head)
            for file in try TreeReader(store: project.store).files(commit.tree, prefix: repo.mount) {
                committed[file.path] = file.ref
            }
        }
        var entries = [IndexEntry]()
        for position in index.range(under: repo.mount) {
            var entry = index.entries[position]
            entry.base = committed.removeValue(forKey: entry.path)
            if entry.staged != nil || entry.base != nil { entries.append(entry) }
        }
        for (path, ref) in committed {
            entries.append(IndexEntry(path: path, staged: ref, base: ref, stat: .empty))
        }
        index.replace(under: repo.mount, with: entries)
        index.bases[repo.name] = head
        indexChanged = true
    }

    /// Whether the workspace under `repo` matches the index; see `RepoStatus`.
    mutating func status(of repo: RepoRecord, progress: any ProgressSink) throws -> RepoStatus {
        let head = try project.headCommit(of: repo)
        var result = RepoStatus(repo: repo, head: head)
        result.interruptedCheckout = intent.repos[repo.name]
        let range = index.range(under: repo.mount)
        let comparison = try Trace.measure("compare \(repo.name)") {
            try WorkspaceComparison.run(index: index, range: range, mount: repo.mount, root: project.root)
        }
        for position in range where index.entries[position].hasStagedChange {
            let entry = index.entries[position]
            result.staged.append(Change(path: entry.path, old: entry.base, new: entry.staged))
        }
        for position in comparison.missing {
            result.unstaged.append(Change(path: index.entries[position].path, old: index.entries[position].staged, new: nil))
        }
        let toHash = comparison.suspects.map { suspect in
            let path = index.entries[suspect.position].path
            return (position: suspect.position,
                    item: IngestItem(absolutePath: project.absolutePath(path), displayPath: path, status: suspect.status))
        }
        result.untracked = comparison.untracked.sorted { $0.precedesInByteOrder($1) }
        result.ignored = comparison.ignored.sorted { $0.precedesInByteOrder($1) }
        result.leftovers = comparison.leftovers

        if !toHash.isEmpty {
            progress.start("checking", totalBytes: toHash.reduce(0) { $0 + UInt64(max(0, $1.item.status.size)) },
                           totalItems: toHash.count)
            let refs = try Ingester(writer: HashingSink(), progress: progress).ingest(toHash.map(\.item))
            progress.finish()
            for (pending, ref) in zip(toHash, refs) {
                let staged = index.entries[pending.position].staged
                if let staged, staged.sameContent(as: ref) {
                    index.entries[pending.position].stat = StatCache(pending.item.status)
                    result.refreshedStatCache = true
                } else {
                    result.unstaged.append(Change(path: pending.item.displayPath, old: staged, new: ref))
                }
            }
        }
        result.unstaged.sort { $0.path.precedesInByteOrder($1.path) }
        return result
    }

    /// The status of a repo, computed once per command. Callers that change the index or the
    /// workspace between calls must use `status(of:progress:)`.
    mutating func cachedStatus(of repo: RepoRecord, progress: any ProgressSink) throws -> RepoStatus {
        if let status = statusCache[repo.name] { return status }
        let status = try status(of: repo, progress: progress)
        statusCache[repo.name] = status
        return status
    }

    /// What the workspace holds for every tracked path of a repo, given its status: the staged
    /// version, or what status found instead (nil for a missing file).
    func workspaceContent(of repo: RepoRecord, status: RepoStatus) -> [String: FileRef?] {
        var content = [String: FileRef?]()
        for position in index.range(under: repo.mount) where index.entries[position].staged != nil {
            content[index.entries[position].path] = index.entries[position].staged
        }
        for change in status.unstaged { content[change.path] = change.new }
        return content
    }
}
