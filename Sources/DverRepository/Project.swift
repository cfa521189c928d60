import DverCore
import DverStore
import DverSystem
import Foundation
import Synchronization

/// An open dver project: the directory holding `.dver/`, its object store, refs, config and repos.
public final class Project: Sendable {
    public let layout: StoreLayout
    public let store: ObjectStore
    public let refs: RefStore
    public let config: ProjectConfig
    public let writeSettings: WriteSettings
    public let progress: any ProgressSink
    /// git's `user.name <user.email>` when the project is in a git repository (set by the CLI,
    /// which can read git's config).
    public let gitAuthor = Mutex<String?>(nil)

    public var root: String { layout.root }

    private init(layout: StoreLayout, progress: any ProgressSink, durable: Bool = true) throws {
        try layout.validate()
        self.layout = layout
        config = try ProjectConfig.load(layout.configFile)
        var settings = try config.writeSettings(path: layout.configFile)
        if ProcessInfo.processInfo.environment["DVER_NO_FSYNC"] == "1" || !durable { settings.durable = false }
        writeSettings = settings
        refs = RefStore(layout: layout, lockTimeout: Self.lockTimeout(config))
        store = try ObjectStore(layout: layout)
        self.progress = progress
    }

    /// Creates `.dver/` in `directory`.
    /// - Throws: `RepositoryError.alreadyInitialized` when a store exists there.
    /// With `durable: false` nothing is fsynced, ever: for disposable stores only (a cluster
    /// worker's scratch store, deleted when its task ends).
    public static func initialize(at directory: String, progress: any ProgressSink = SilentProgress(),
                                  durable: Bool = true) throws -> Project {
        let root = try FileSystem.realPath(directory)
        let layout = StoreLayout(root: root)
        if FileSystem.exists(layout.storeDirectory) { throw RepositoryError.alreadyInitialized(path: root) }
        try layout.create(durable: durable)
        try JSONFile.save(ProjectConfig(), to: layout.configFile, durable: durable)
        try JSONFile.save(RepoRegistry(), to: layout.reposFile, durable: durable)
        return try Project(layout: layout, progress: progress, durable: durable)
    }

    /// Opens the project enclosing `directory`.
    /// - Throws: `StoreError.notAStore` when there is none, `.newerFormat` for a newer store.
    public static func open(from directory: String, progress: any ProgressSink = SilentProgress()) throws -> Project {
        let start = (try? FileSystem.realPath(directory)) ?? directory
        guard let layout = StoreLayout.discover(from: start) else { throw StoreError.notAStore(path: start) }
        return try Project(layout: layout, progress: progress)
    }

    private static func lockTimeout(_ config: ProjectConfig) -> Double {
        if let text = ProcessInfo.processInfo.environment["DVER_LOCK_TIMEOUT"], let value = Double(text) { return value }
        return config.lockTimeoutSeconds
    }

    // MARK: Repos

    func registry() throws -> RepoRegistry { try RepoRegistry.load(layout.reposFile) }

    func save(_ registry: RepoRegistry) throws { try registry.save(layout.reposFile, durable: writeSettings.durable) }

    /// All repos, sorted by name.
    public func repos() throws -> [RepoRecord] { try registry().repos.sorted { $0.name < $1.name } }

    /// - Throws: `RepositoryError.unknownRepo`.
    public func repo(named name: String) throws -> RepoRecord {
        guard let record = try registry().record(named: name) else { throw RepositoryError.unknownRepo(name) }
        return record
    }

    /// The commit checked out in a repo (branch head or detached commit); nil before the first commit.
    public func headCommit(of repo: RepoRecord) throws -> ObjectID? {
        if let branch = repo.branch { return try refs.read(repo: repo.name, branch: branch) }
        if let detached = repo.detachedCommit { return ObjectID(hex: detached) }
        return nil
    }

    // MARK: Paths

    /// The absolute path of a project-relative path.
    public func absolutePath(_ relative: String) -> String {
        relative.isEmpty ? root : "\(root)/\(relative)"
    }

    /// Turns a user-supplied path (absolute or relative to `workingDirectory`) into a validated
    /// project-relative path ("" for the root).
    /// - Throws: `RepositoryError.pathOutsideProject`, `.pathInsideStore`, `CoreError.invalidPath`.
    public func relativePath(_ userPath: String, workingDirectory: String) throws -> String {
        let base = (try? FileSystem.realPath(workingDirectory)) ?? workingDirectory
        let joined = userPath.hasPrefix("/") ? userPath : "\(base)/\(userPath)"
        var components = [Substring]()
        for component in joined.split(separator: "/") {
            if component == "." { continue }
            if component == ".." {
                if components.popLast() == nil { throw RepositoryError.pathOutsideProject(userPath) }
                continue
            }
            components.append(component)
        }
        let rootComponents = root.split(separator: "/")
        guard components.count >= rootComponents.count,
              Array(components.prefix(rootComponents.count)) == rootComponents else {
            throw RepositoryError.pathOutsideProject(userPath)
        }
        let relative = components.dropFirst(rootComponents.count).joined(separator: "/")
        if relative == StoreLayout.directoryName || relative.hasPrefix(StoreLayout.directoryName + "/") {
            throw RepositoryError.pathInsideStore(userPath)
        }
        if !relative.isEmpty { try RepoPath.validate(relative) }
        return relative
    }

    // MARK: Locks and identity

    /// Runs `body` holding the workspace lock, which serializes commands that change the
    /// workspace, the index or the repo list. Waits for other dver processes instead of failing.
    /// Runs `body` holding `locks/objects.lock` shared: for work that writes objects and names
    /// them (in refs, the index or pipeline records) without holding the workspace lock for the
    /// whole time — pipeline jobs and fetches. `gc` takes it exclusively, first of its locks, so it
    /// never reclaims objects such work has sealed but not yet named. Lock order: objects,
    /// workspace, refs.
    /// - Throws: `StoreError.lockTimeout`, or what `body` throws.
    public func withObjectWriters<T>(_ body: () throws -> T) throws -> T {
        let lock = try objectsLock(shared: true)
        defer { lock.unlock() }
        return try body()
    }

    func objectsLock(shared: Bool) throws -> FileLock {
        let progress = self.progress
        do {
            return try FileLock(path: "\(layout.locksDirectory)/objects.lock", timeout: refs.lockTimeout, shared: shared) {
                progress.notice(shared ? "waiting for 'dver gc' to finish..."
                                       : "waiting for pipeline jobs and fetches that are writing objects to finish...")
            }
        } catch FileLock.Failure.timedOut(let path, let seconds) {
            throw StoreError.lockTimeout(path: path, seconds: seconds)
        }
    }

    /// Changes `.dver/config.json` (read afresh from disk, written atomically). The change is
    /// seen by projects opened afterwards.
    /// - Throws: `RepositoryError.invalidConfig`, system errors, or what `change` throws.
    public func updateConfig(_ change: (inout ProjectConfig) throws -> Void) throws {
        var config = try ProjectConfig.load(layout.configFile)
        try change(&config)
        try config.save(layout.configFile)
    }

    public func withWorkspaceLock<T>(_ body: () throws -> T) throws -> T {
        let lock: FileLock
        let progress = self.progress
        do {
            lock = try FileLock(path: "\(layout.locksDirectory)/workspace.lock", timeout: refs.lockTimeout) {
                progress.notice("waiting for another dver process to finish (lock .dver/locks/workspace.lock)...")
            }
        } catch FileLock.Failure.timedOut(let path, let seconds) {
            throw StoreError.lockTimeout(path: path, seconds: seconds)
        }
        defer { lock.unlock() }
        // Another process may have sealed packs (and moved refs to objects in them) meanwhile.
        try store.reload()
        return try body()
    }

    /// The author recorded in commits, unless a commit names one: $DVER_AUTHOR, the config's
    /// author, `gitAuthor` (git's user.name and user.email, found by the CLI), or the login name.
    public var author: String {
        let environment = ProcessInfo.processInfo.environment
        if let author = environment["DVER_AUTHOR"], !author.isEmpty { return author }
        if let author = config.author, !author.isEmpty { return author }
        if let gitAuthor = gitAuthor.withLock({ $0 }), !gitAuthor.isEmpty { return gitAuthor }
        if let name = environment["USER"] ?? environment["LOGNAME"], !name.isEmpty { return name }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "unknown"
    }

    /// A write session using the project's settings.
    public func makeWriter() -> ObjectWriter { ObjectWriter(store: store, settings: writeSettings) }
}
