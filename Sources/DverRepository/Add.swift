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
                for item in work {
                    try stage(item.scanned, under: item.path, repo: item.repo, into: &workspace, writer: writer, result: &result)
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
        let tracked = TrackedPaths(workspace.index.range(under: path).map { workspace.index.entries[$0].path })
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

    private func stage(_ scanned: [ScannedFile], under path: String, repo: RepoRecord, into workspace: inout Workspace,
                       writer: ObjectWriter, result: inout AddResult) throws {
        var existing = [String: IndexEntry]()
        if let position = workspace.index.find(path) { existing[path] = workspace.index.entries[position] }
        for position in workspace.index.range(under: path) {
            existing[workspace.index.entries[position].path] = workspace.index.entries[position]
        }
        var updated = [IndexEntry]()
        var toIngest = [(entry: IndexEntry, item: IngestItem)]()
        for file in scanned {
            // Keys compare by Unicode equivalence: an entry spelled with other bytes is another file.
            var previous = existing.removeValue(forKey: file.path)
            if let entry = previous, !entry.path.utf8.elementsEqual(file.path.utf8) {
                existing[entry.path] = entry
                previous = nil
            }
            if let previous, previous.staged != nil, previous.stat.matches(file.status, indexTime: workspace.index.loadedTime) {
                updated.append(previous)
                result.unchanged += 1
                continue
            }
            let entry = previous ?? IndexEntry(path: file.path, staged: nil, base: nil, stat: .empty)
            toIngest.append((entry, IngestItem(absolutePath: absolutePath(file.path), displayPath: file.path, status: file.status)))
        }
        let totalBytes = toIngest.reduce(UInt64(0)) { $0 + UInt64(max(0, $1.item.status.size)) }
        progress.start("adding \(path)", totalBytes: totalBytes, totalItems: toIngest.count)
        let refs = try Ingester(writer: writer, progress: progress).ingest(toIngest.map(\.item))
        progress.finish()
        result.bytesHashed += totalBytes
        for (pending, ref) in zip(toIngest, refs) {
            var entry = pending.entry
            if let staged = entry.staged {
                if !staged.sameContent(as: ref) { result.modified += 1 } else { result.unchanged += 1 }
            } else {
                result.added += 1
            }
            entry.staged = ref
            entry.stat = StatCache(pending.item.status)
            updated.append(entry)
        }
        if toIngest.isEmpty, !existing.values.contains(where: { $0.staged != nil }) {
            return  // nothing changed under this path
        }
        // Tracked paths that are gone: stage their deletion (already staged deletions stay).
        for (_, var entry) in existing {
            if entry.staged != nil {
                result.deleted += 1
                entry.staged = nil
            }
            if entry.base != nil { updated.append(entry) }
        }
        workspace.indexChanged = true
        // A tracked file at `path` itself is replaced (by a new version, or by a directory).
        if let position = workspace.index.find(path) { workspace.index.entries.remove(at: position) }
        workspace.index.replace(under: path, with: updated.filter { $0.path != path })
        for entry in updated where entry.path == path { workspace.index.upsert(entry) }
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
