import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A dver project in its own temporary directory, removed when the fixture is released.
///
///     let ws = try Workspace.make(["data/raw/a.csv": "1,2\n", "data/raw/b.bin": .random(size: 3_000_000, seed: 1)])
///
/// Files written by `make` are backdated a minute, so that once added their stat data is not
/// racily clean and `status` can trust the stat cache.
final class Workspace {
    let root: String
    let project: Project
    /// Records every byte the project hashes or writes.
    let progress: RecordingProgress

    private init(root: String, project: Project, progress: RecordingProgress) {
        self.root = root
        self.project = project
        self.progress = progress
    }

    static func make(_ files: [String: FileContent] = [:]) throws -> Workspace {
        var template = Array((NSTemporaryDirectory() + "dver-repo-test-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let directory = try FileSystem.realPath(String(cString: try #require(created)))
        let progress = RecordingProgress()
        let workspace = Workspace(root: directory, project: try Project.initialize(at: directory, progress: progress),
                                  progress: progress)
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            try workspace.write(path, content)
            try workspace.backdate(path)
        }
        return workspace
    }

    deinit { try? FileSystem.removeTree(root) }

    /// A second, independent `Project` on the same directory (like another process).
    func openAgain(progress: any ProgressSink = SilentProgress()) throws -> Project {
        try Project.open(from: root, progress: progress)
    }

    // MARK: Files

    func absolute(_ path: String) -> String { path.isEmpty ? root : "\(root)/\(path)" }

    /// Writes `content` at a project-relative path, creating parents and replacing what is there.
    func write(_ path: String, _ content: FileContent) throws {
        let full = absolute(path)
        try FileSystem.createDirectories(FileSystem.parentPath(full))
        if let status = try FileSystem.linkStatusIfExists(full), status.kind != .regular {
            try FileSystem.removeTree(full)
        }
        switch content.kind {
        case .bytes(let bytes, let executable):
            try overwrite(full, bytes)
            try FileSystem.changeMode(full, executable ? 0o755 : 0o644)
        case .symlink(let target):
            try FileSystem.removeIfExists(full)
            try FileSystem.createSymlink(full, target: target)
        case .fifo:
            try FileSystem.removeIfExists(full)
            #expect(mkfifo(full, 0o644) == 0)
        }
    }

    /// Rewrites a file in place (same inode), like an editor without atomic saves.
    private func overwrite(_ path: String, _ bytes: [UInt8]) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        defer { fd.close() }
        try fd.writeAll(bytes)
    }

    func append(_ path: String, _ text: String) throws {
        try write(path, .bytes(try bytes(path) + Array(text.utf8)))
    }

    /// Removes a file, symlink or directory tree.
    func delete(_ path: String) throws { try FileSystem.removeTree(absolute(path)) }

    func bytes(_ path: String) throws -> [UInt8] { try FileSystem.readFile(absolute(path)) }

    func text(_ path: String) throws -> String { String(decoding: try bytes(path), as: UTF8.self) }

    func exists(_ path: String) -> Bool { (try? FileSystem.linkStatusIfExists(absolute(path))) != nil }

    /// lstat data of a path.
    func stat(_ path: String) throws -> FileStatus { try FileSystem.linkStatus(absolute(path)) }

    func makeExecutable(_ path: String, _ executable: Bool = true) throws {
        try FileSystem.changeMode(absolute(path), executable ? 0o755 : 0o644)
    }

    /// Sets a path's mtime (not following symlinks) with utimensat.
    func setModificationTime(_ path: String, nanoseconds: Int64) throws {
        var times = [timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000)),
                     timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))]
        let result = utimensat(AT_FDCWD, absolute(path), &times, AT_SYMLINK_NOFOLLOW)
        if result != 0 { throw SystemError("utimensat", path: path, errno: errno) }
    }

    /// Moves a path's mtime `seconds` into the past.
    func backdate(_ path: String, seconds: Int64 = 60) throws {
        let status = try stat(path)
        try setModificationTime(path, nanoseconds: status.modificationNanoseconds - seconds * 1_000_000_000)
    }

    // MARK: Project shortcuts

    @discardableResult
    func add(_ paths: String...) throws -> AddResult { try project.add(paths) }

    @discardableResult
    func commit(_ message: String = "change", repos: [String] = []) throws -> CommitResult {
        try project.commit(message: message, repos: repos)
    }

    @discardableResult
    func checkout(_ revision: String, force: Bool = false) throws -> CheckoutResult {
        try project.checkout(RevisionSpec(parsing: revision), force: force)
    }

    func status(_ repo: String) throws -> RepoStatus {
        try #require(try project.status(repos: [repo]).first)
    }

    /// The commit a revision such as `raw@main~1` resolves to.
    func commitID(_ revision: String) throws -> ObjectID { try project.resolve(RevisionSpec(parsing: revision)).commit }

    func tree(_ revision: String) throws -> ObjectID { try project.store.decodeCommit(try commitID(revision)).tree }

    /// Every file of a revision by project-relative path.
    func files(_ revision: String) throws -> [String: FileRef] {
        let resolved = try project.resolve(RevisionSpec(parsing: revision))
        let tree = try project.store.decodeCommit(resolved.commit).tree
        var files = [String: FileRef]()
        for file in try TreeReader(store: project.store).files(tree, prefix: resolved.repo.mount) { files[file.path] = file.ref }
        return files
    }

    /// The workspace index as saved on disk.
    func index() throws -> WorkspaceIndex { try WorkspaceIndex.load(project.layout.workspaceIndexFile) }

    func indexEntry(_ path: String) throws -> IndexEntry? {
        let index = try index()
        return index.find(path).map { index.entries[$0] }
    }

    /// Objects of one kind in the store's packs.
    func objectCount(_ kind: ObjectKind) -> Int {
        project.store.packIndexes.reduce(0) { total, index in
            total + (0..<index.count).filter { index.entry(at: $0)?.kind == kind }.count
        }
    }
}

/// Counts progress reports, which the library makes for every byte it hashes or writes.
final class RecordingProgress: ProgressSink {
    private struct State {
        var phases: [String] = []
        var bytes: UInt64 = 0
        var items = 0
    }

    private let state = Mutex(State())

    func start(_ label: String, totalBytes: UInt64?, totalItems: Int?) { state.withLock { $0.phases.append(label) } }
    func advance(bytes: UInt64, items: Int) { state.withLock { $0.bytes += bytes; $0.items += items } }
    func finish() {}
    func notice(_ message: String) {}

    var phases: [String] { state.withLock { $0.phases } }
    var bytes: UInt64 { state.withLock { $0.bytes } }
    var items: Int { state.withLock { $0.items } }

    func reset() { state.withLock { $0 = State() } }
}

/// Runs `body`, which must throw an `E` that `match` accepts, and returns what `match` extracted.
@discardableResult
func expectThrows<E: Error, T, R>(_ body: () throws -> R, sourceLocation: SourceLocation = #_sourceLocation,
                                  _ match: (E) -> T?) -> T? {
    do {
        let value = try body()
        Issue.record("expected \(E.self) to be thrown, got \(value)", sourceLocation: sourceLocation)
    } catch let error as E {
        if let extracted = match(error) { return extracted }
        Issue.record("unexpected \(E.self): \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(E.self), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
