import DverCore
import DverStore
import DverSystem
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Writes stored file versions into the workspace: each file goes to a temporary name in its
/// directory and is renamed into place, so a reader (or a crash) never sees a half-written file.
/// Every directory is reached through `WorkspaceFiles` (no symlink is ever followed), and a
/// symlink whose target leaves its repo is refused before anything is written (FORMAT.md,
/// "Symlinks").
struct FileRestorer: Sendable {
    let store: ObjectStore
    let progress: any ProgressSink
    let files: WorkspaceFiles
    /// The mounts of the project's repos, for the symlink rule.
    let mounts: [String]
    static let parallelThreshold: UInt64 = 8 << 20
    /// Files written per task: a task opens its directory once.
    static let batchSize = 64

    init(project: Project, mounts: [String]) throws {
        store = project.store
        progress = project.progress
        files = try WorkspaceFiles(root: project.root)
        self.mounts = mounts
    }

    /// Writes every file (project-relative path → version) and returns their lstat data, in
    /// the order of `targets`.
    /// Parent directories are created; files or symlinks standing where a directory must go are
    /// removed (callers have checked that nothing uncommitted is lost).
    /// - Throws: `RepositoryError.symlinkEscapes` (before writing anything), store and system errors.
    func restore(_ targets: [(path: String, ref: FileRef)]) throws -> [StatCache] {
        try restore(count: targets.count) { targets[$0] }
    }

    /// `restore` of the `count` versions `target(0)`, `target(1)`, …: for callers that hold
    /// them in another form (checkout writes from its new index entries, without a second list).
    func restore(count: Int, _ target: @Sendable (Int) -> (path: String, ref: FileRef)) throws -> [StatCache] {
        let targets = (0..<count).lazy.map(target)
        try checkSymlinks(targets)
        var byDirectory = [String: [Int]]()
        for position in targets.indices { byDirectory[RepoPath.parent(targets[position].path), default: []].append(position) }
        let directories = byDirectory.keys.sorted { $0.utf8.count < $1.utf8.count }
        for directory in directories { _ = try files.directory(directory, create: true) }

        let isLarge = { (position: Int) in targets[position].ref.size >= Self.parallelThreshold && targets[position].ref.kind != .symlink }
        let perDirectory = directories.map { directory in
            let small = byDirectory[directory, default: []].filter { !isLarge($0) }
            return stride(from: 0, to: small.count, by: Self.batchSize).map { start in
                (directory: directory, positions: Array(small[start..<min(start + Self.batchSize, small.count)]))
            }
        }
        let batches = Self.interleaved(perDirectory)
        let results = Mutex([StatCache](repeating: .empty, count: targets.count))
        let failure = FirstError()
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(max(batches.count, 1), System.coreCount)) { _ in
            while !failure.isSet {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= batches.count { break }
                do {
                    let directory = try files.directory(batches[index].directory, create: false)
                    for position in batches[index].positions {
                        let status = StatCache(try write(targets[position], in: directory))
                        results.withLock { $0[position] = status }
                    }
                } catch {
                    failure.record(error)
                }
            }
        }
        try failure.rethrow()
        for position in targets.indices where isLarge(position) {
            let status = StatCache(try write(targets[position], in: try files.directory(RepoPath.parent(targets[position].path), create: false)))
            results.withLock { $0[position] = status }
        }
        return results.withLock { results in
            var taken = [StatCache]()
            swap(&taken, &results)
            return taken
        }
    }

    /// The directories' batches taken in turn (first batch of each directory, then the second,
    /// ...), so that workers running at once write into different directories: creating and
    /// renaming a file hold its directory's lock, and two threads in one directory spent most
    /// of a clone spinning on it.
    static func interleaved<Batch>(_ perDirectory: [[Batch]]) -> [Batch] {
        let total = perDirectory.reduce(0) { $0 + $1.count }
        var result = [Batch]()
        result.reserveCapacity(total)
        var round = 0
        while result.count < total {
            for batches in perDirectory where round < batches.count { result.append(batches[round]) }
            round += 1
        }
        return result
    }

    /// Refuses symlinks whose target is absolute, empty, not UTF-8, holds NUL, or leads out of
    /// the repo the link is in. `restore` calls it first; checkout calls it before it records
    /// its intent, so a refused link leaves no trace.
    func checkSymlinks(_ targets: some Sequence<(path: String, ref: FileRef)>) throws {
        for target in targets where target.ref.kind == .symlink {
            let text = try store.withChunk(target.ref.id) { String(validating: $0, as: UTF8.self) }
            let mount = mounts.first { RepoPath.isWithin(target.path, $0) } ?? ""
            guard let text, !text.utf8.contains(0), Symlinks.staysInside(target.path, target: text, mount: mount) else {
                throw RepositoryError.symlinkEscapes(path: target.path, target: text ?? "(not UTF-8)")
            }
        }
    }

    /// Writes one file version as `name` in `directory` and returns its lstat data.
    private func write(_ target: (path: String, ref: FileRef), in directory: DirectoryHandle) throws -> FileStatus {
        let name = RepoPath.lastComponent(target.path)
        let temporary = ".dver-tmp-\(UInt64.random(in: 0...UInt64.max))"
        let ref = target.ref
        do {
            if ref.kind == .symlink {
                let link = try store.withChunk(ref.id) { String(decoding: $0, as: UTF8.self) }
                try directory.createSymlink(temporary, target: link)
            } else {
                let fd = try directory.createFile(temporary, mode: ref.kind == .executable ? 0o777 : 0o666)
                defer { fd.close() }
                try writeContent(ref, to: fd)
            }
            if let existing = try directory.status(name), existing.kind == .directory {
                try directory.removeTree(name)
            }
            try directory.rename(temporary, to: name)
        } catch {
            try? directory.removeFile(temporary)
            throw error
        }
        progress.advance(bytes: ref.size, items: 1)
        guard let status = try directory.status(name) else {
            throw SystemError("lstat", path: "\(directory.path)/\(name)", errno: ENOENT)
        }
        return status
    }

    private func writeContent(_ ref: FileRef, to fd: FileDescriptor) throws {
        if !ref.chunked {
            try store.withChunk(ref.id) { bytes in
                guard UInt64(bytes.count) == ref.size else {
                    throw StoreError.corruptObject(ref.id, reason: "chunk has \(bytes.count) bytes, the tree says the file has \(ref.size)")
                }
                if let base = bytes.baseAddress { try fd.writeAll(base, count: bytes.count) }
            }
            return
        }
        let chunks = try ChunkListBuilder.chunks(of: ref.id, store: store)
        var offsets = [Int64]()
        offsets.reserveCapacity(chunks.count)
        var total: Int64 = 0
        for chunk in chunks {
            offsets.append(total)
            total += Int64(chunk.length)  // chunks were measured: at most 2^62 bytes in all
        }
        guard UInt64(total) == ref.size else {
            throw StoreError.corruptObject(ref.id, reason: "chunk list covers \(total) bytes, tree says \(ref.size)")
        }
        try fd.truncate(to: total)
        let chunkOffsets = offsets
        let failure = FirstError()
        let workers = ref.size >= Self.parallelThreshold ? System.coreCount : 1
        let store = self.store
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < chunks.count, !failure.isSet {
                do {
                    let chunk = chunks[index]
                    try store.withChunk(chunk.id) { bytes in
                        guard bytes.count == Int(chunk.length) else {
                            throw StoreError.corruptObject(chunk.id, reason: "chunk has \(bytes.count) bytes, list says \(chunk.length)")
                        }
                        if let base = bytes.baseAddress { try fd.pwriteAll(base, count: bytes.count, offset: chunkOffsets[index]) }
                    }
                } catch {
                    failure.record(error)
                }
                index += workers
            }
        }
        try failure.rethrow()
    }
}
