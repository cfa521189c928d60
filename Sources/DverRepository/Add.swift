import DverCore
import DverStore
import DverSystem
import Foundation

/// What `dver add` did.
public struct AddResult: Sendable {
    public var createdRepos: [RepoRecord] = []
    public var added = 0
    public var modified = 0
    public var deleted = 0
    public var unchanged = 0
    public var bytesHashed: UInt64 = 0
    /// Nested `.git` and `.dver` entries found and not added.
    public var skipped: [String] = []
    /// Untracked files and directories left out by `.dverignore` rules.
    public var ignored = 0
    public var statistics = WriteStatistics()
}

extension Project {
    /// Stages the files at the given project-relative paths: new and changed files are chunked,
    /// hashed and stored; tracked files missing beneath a path are staged as deleted. A
    /// directory outside every repo becomes a new repo named after it.
    public func add(_ paths: [String]) throws -> AddResult {
        try withWorkspaceLock {
            var workspace = try Workspace.load(self)
            var result = AddResult()
            var work = [(path: String, repo: RepoRecord, scan: ScanResult)]()
            for path in paths {
                // A directory above repo mounts (e.g. `dver add .`) adds every repo beneath it.
                let contained = workspace.registry.repos.filter { RepoPath.isWithin($0.mount, path) && $0.mount != path }
                if !contained.isEmpty, workspace.registry.record(containing: path) == nil {
                    for repo in contained {
                        work.append((repo.mount, repo, try scanForAdd(repo.mount, repo: repo, workspace: workspace, result: &result)))
                    }
                    continue
                }
                let repo = try workspace.repoForAdd(path, created: &result.createdRepos)
                work.append((path, repo, try scanForAdd(path, repo: repo, workspace: workspace, result: &result)))
            }
            for item in work { try workspace.ensureNoInterruptedCheckout(item.repo) }
            // Every path was scanned (and refused if it must be) before anything is written.
            // Scans hold index positions: staged from the highest span down, the positions of
            // the others stay true; paths whose spans overlap are scanned again.
            let spans = work.map { workspace.index.span(of: $0.path) }
            let order = work.indices.sorted { spans[$0].lowerBound > spans[$1].lowerBound }
            let disjoint = zip(order, order.dropFirst()).allSatisfy { spans[$1].upperBound <= spans[$0].lowerBound }
            let writer = makeWriter()
            do {
                for (step, position) in order.enumerated() {
                    // Taken out of `work`, so that it is freed once staged.
                    var scan = ScanResult()
                    swap(&scan, &work[position].scan)
                    if step > 0, !disjoint {
                        var rescanned = AddResult()
                        scan = try scanForAdd(work[position].path, repo: work[position].repo, workspace: workspace, result: &rescanned)
                    }
                    try Trace.measure("stage \(work[position].path)") {
                        try stage(&scan, under: work[position].path, into: &workspace, writer: writer, result: &result)
                    }
                }
                result.statistics = try Trace.measure("seal packs") { try writer.finish() }
            } catch {
                writer.abandon()
                throw error
            }
            if workspace.indexChanged || !result.createdRepos.isEmpty { try Trace.measure("save index") { try workspace.save() } }
            try markResolved(work.map(\.path))
            return result
        }
    }

    /// Scans a path to add against the index and rejects what cannot be tracked, before
    /// anything is written: a path reached through a symlinked directory, names that are not
    /// UTF-8, two names that differ only in Unicode normalization, escaping symlinks and special
    /// files. Nested `.git` and `.dver` directories are skipped and reported in `skipped`.
    private func scanForAdd(_ path: String, repo: RepoRecord, workspace: Workspace, result: inout AddResult) throws -> ScanResult {
        if !path.isEmpty, try WorkspaceFiles(root: root).root.descendIfPresent(RepoPath.parent(path)) == nil,
           FileSystem.exists(absolutePath(path)) {
            throw RepositoryError.pathThroughSymlink(path)
        }
        let scan = try Trace.measure("scan \(path)") { try WorkspaceScanner.scan(path, root: root, index: workspace.index) }
        result.ignored += scan.ignored
        if !scan.invalidNames.isEmpty {
            throw RepositoryError.invalidFileNames(scan.invalidNames.sorted())
        }
        if let (first, second) = scan.equivalentNames {
            throw RepositoryError.equivalentNames(first, second)
        }
        result.skipped += scan.skipped
        for file in scan.changed.joined() {
            switch file.status.kind {
            case .regular: continue
            case .directory: continue
            case .other: throw RepositoryError.unsupportedFileType(file.path)
            case .symlink:
                let bytes = try FileSystem.readLinkBytes(absolutePath(file.path))
                guard let target = FileName.decode(bytes), Symlinks.staysInside(file.path, target: target, mount: repo.mount) else {
                    throw RepositoryError.symlinkEscapes(path: file.path, target: FileName.escaped(bytes))
                }
            }
        }
        return scan
    }

    /// Files hashed per call of the ingester: bounds the memory of what is waiting to be read.
    private static let ingestBatch = 16384

    /// Applies a scan to the index: new and changed files are ingested piece by piece (each
    /// piece freed once read), tracked files that are gone are staged as deleted. Entries are
    /// updated where they are; new ones are merged in at the end, in place.
    private func stage(_ scan: inout ScanResult, under path: String, into workspace: inout Workspace,
                       writer: ObjectWriter, result: inout AddResult) throws {
        result.unchanged += scan.unchanged
        var removals = [Int]()
        for position in scan.gone {
            if workspace.index.entries[position].staged != nil {
                result.deleted += 1
                workspace.index.entries[position].staged = nil
                workspace.indexChanged = true
            }
            // Already staged deletions stay; entries with neither version go.
            if workspace.index.entries[position].base == nil { removals.append(position) }
        }
        if removals.isEmpty, scan.changed.isEmpty { return }  // nothing changed under this path
        workspace.indexChanged = true
        let totalBytes = scan.changed.joined().reduce(UInt64(0)) { $0 + UInt64(max(0, $1.status.size)) }
        progress.start("adding \(path)", totalBytes: totalBytes, totalItems: scan.changedCount)
        let ingester = Ingester(writer: writer, progress: progress)
        // Sized once: growing by doubling would hold two copies at each step.
        var inserts = [IndexEntry]()
        inserts.reserveCapacity(scan.changed.joined().reduce(0) { $0 + ($1.position == nil ? 1 : 0) })
        // Batches of up to 16k files across pieces (a piece may hold one file or a million);
        // each piece is freed once its files are in a batch.
        var batch = [ChangedFile]()
        batch.reserveCapacity(Self.ingestBatch)
        func ingestBatch() throws {
            let refs = try ingester.ingest(batch.map { file in
                IngestItem(absolutePath: absolutePath(file.path), displayPath: file.path, status: file.status)
            })
            for (file, ref) in zip(batch, refs) {
                guard let position = file.position else {
                    result.added += 1
                    inserts.append(IndexEntry(path: file.path, staged: ref, base: nil, stat: StatCache(file.status)))
                    continue
                }
                if let staged = workspace.index.entries[position].staged {
                    if !staged.sameContent(as: ref) { result.modified += 1 } else { result.unchanged += 1 }
                } else {
                    result.added += 1
                }
                workspace.index.entries[position].staged = ref
                workspace.index.entries[position].stat = StatCache(file.status)
            }
            batch.removeAll(keepingCapacity: true)
            // The pieces freed meanwhile leave holes between paths that live on in the index.
            HeapMemory.releaseFreePages()
        }
        for piece in scan.changed.indices {
            var files = [ChangedFile]()
            swap(&files, &scan.changed[piece])
            for file in files {
                batch.append(file)
                if batch.count == Self.ingestBatch { try ingestBatch() }
            }
        }
        if !batch.isEmpty { try ingestBatch() }
        progress.finish()
        result.bytesHashed += totalBytes
        workspace.index.apply(removing: removals, inserting: inserts)
    }
}

extension Workspace {
    /// The repo that tracks `path`, creating one for a directory outside every repo.
    mutating func repoForAdd(_ path: String, created: inout [RepoRecord]) throws -> RepoRecord {
        if let repo = registry.record(containing: path) { return repo }
        let absolute = project.absolutePath(path)
        guard let status = try FileSystem.linkStatusIfExists(absolute) else { throw RepositoryError.pathNotFound(path) }
        guard status.kind == .directory, !path.isEmpty else { throw RepositoryError.notInAnyRepo(path.isEmpty ? "." : path) }
        let name = RepoPath.lastComponent(path)
        let record = try createRepo(name: name, mount: path, branch: "main")
        created.append(record)
        return record
    }
}
