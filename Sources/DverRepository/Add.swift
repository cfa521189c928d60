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
            var work = [(path: String, repo: RepoRecord, scanned: [ScannedFile])]()
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
            let writer = makeWriter()
            do {
                for position in work.indices {
                    // Taken out of `work`, so that it is freed once staged.
                    var scanned = [ScannedFile]()
                    swap(&scanned, &work[position].scanned)
                    try stage(&scanned, under: work[position].path, repo: work[position].repo, into: &workspace,
                              writer: writer, result: &result)
                }
                result.statistics = try writer.finish()
            } catch {
                writer.abandon()
                throw error
            }
            if workspace.indexChanged || !result.createdRepos.isEmpty { try workspace.save() }
            try markResolved(work.map(\.path))
            return result
        }
    }

    /// Scans a path to add and rejects what cannot be tracked, before anything is written:
    /// a path reached through a symlinked directory, names that are not UTF-8, two names that
    /// differ only in Unicode normalization, escaping symlinks and special files. Nested `.git`
    /// and `.dver` directories are skipped and reported in `skipped`.
    private func scanForAdd(_ path: String, repo: RepoRecord, workspace: Workspace, result: inout AddResult) throws -> [ScannedFile] {
        if !path.isEmpty, try WorkspaceFiles(root: root).root.descendIfPresent(RepoPath.parent(path)) == nil,
           FileSystem.exists(absolutePath(path)) {
            throw RepositoryError.pathThroughSymlink(path)
        }
        let tracked = TrackedPaths(workspace.index)
        let scan = try WorkspaceScanner.scan(path, root: root, tracked: tracked)
        result.ignored += scan.ignored
        if !scan.invalidNames.isEmpty {
            throw RepositoryError.invalidFileNames(scan.invalidNames.sorted())
        }
        if let (first, second) = UnicodeNames.equivalentPair(scan.files.lazy.map(\.path)) {
            throw RepositoryError.equivalentNames(first, second)
        }
        result.skipped += scan.skipped
        for file in scan.files {
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
        return scan.files
    }

    /// Files hashed per call of the ingester: bounds the memory of what is waiting to be read.
    private static let ingestBatch = 16384

    /// Merges a scan with the index entries at and beneath `path` (both in byte order, so no
    /// table of paths is built): unchanged files keep their entries, new and changed ones are
    /// ingested in batches, tracked files that are gone are staged as deleted.
    private func stage(_ files: inout [ScannedFile], under path: String, repo: RepoRecord, into workspace: inout Workspace,
                       writer: ObjectWriter, result: inout AddResult) throws {
        // Positions are sorted, not the files (moving those costs more than comparing them).
        let order = files.isSortedInByteOrder ? Array(files.indices) : files.map(\.path).withUnsafeBufferPointer { paths in
            paths.indices.sorted { paths[$0].precedesInByteOrder(paths[$1]) }
        }
        var old = [Int]()
        if let position = workspace.index.find(path) { old.append(position) }
        old.append(contentsOf: workspace.index.range(under: path))
        var updated = [IndexEntry]()
        updated.reserveCapacity(files.count)
        // (slot in `updated`, position in `files`) of each file to read.
        var pending = [(slot: Int, file: Int)]()
        var deletedAny = false
        var next = (file: 0, old: 0)
        while next.file < files.count || next.old < old.count {
            let tracked = next.old < old.count ? workspace.index.entries[old[next.old]] : nil
            // A tracked path spelled with other bytes than the file's is another file.
            if let tracked, next.file == files.count || tracked.path.precedesInByteOrder(files[order[next.file]].path) {
                next.old += 1
                var entry = tracked
                if entry.staged != nil {
                    result.deleted += 1
                    entry.staged = nil
                    deletedAny = true
                }
                if entry.base != nil { updated.append(entry) }  // already staged deletions stay
                continue
            }
            let position = order[next.file]
            let file = files[position]
            next.file += 1
            guard let tracked, !file.path.precedesInByteOrder(tracked.path) else {
                pending.append((updated.count, position))
                updated.append(IndexEntry(path: file.path, staged: nil, base: nil, stat: .empty))
                continue
            }
            next.old += 1
            if tracked.staged != nil, tracked.stat.matches(file.status, indexTime: workspace.index.loadedTime) {
                result.unchanged += 1
            } else {
                pending.append((updated.count, position))
            }
            updated.append(tracked)
        }
        if pending.isEmpty, !deletedAny { return }  // nothing changed under this path
        let totalBytes = pending.reduce(UInt64(0)) { $0 + UInt64(max(0, files[$1.file].status.size)) }
        progress.start("adding \(path)", totalBytes: totalBytes, totalItems: pending.count)
        let ingester = Ingester(writer: writer, progress: progress)
        for start in stride(from: 0, to: pending.count, by: Self.ingestBatch) {
            let batch = pending[start..<min(start + Self.ingestBatch, pending.count)]
            let refs = try ingester.ingest(batch.map { item in
                let file = files[item.file]
                return IngestItem(absolutePath: absolutePath(file.path), displayPath: file.path, status: file.status)
            })
            for (item, ref) in zip(batch, refs) {
                if let staged = updated[item.slot].staged {
                    if !staged.sameContent(as: ref) { result.modified += 1 } else { result.unchanged += 1 }
                } else {
                    result.added += 1
                }
                updated[item.slot].staged = ref
                updated[item.slot].stat = StatCache(files[item.file].status)
            }
        }
        progress.finish()
        result.bytesHashed += totalBytes
        files = []
        workspace.indexChanged = true
        // A tracked file at `path` itself is replaced (by a new version, or by a directory).
        if let position = workspace.index.find(path) { workspace.index.entries.remove(at: position) }
        let own = updated.first?.path == path ? updated.removeFirst() : nil
        var replacement = [IndexEntry]()
        swap(&replacement, &updated)
        workspace.index.replace(under: path, with: replacement, sorted: true)
        replacement = []
        if let own { workspace.index.upsert(own) }
    }
}

extension [ScannedFile] {
    var isSortedInByteOrder: Bool {
        var previous: String?
        for file in self {
            if let previous, !previous.precedesInByteOrder(file.path) { return false }
            previous = file.path
        }
        return true
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
