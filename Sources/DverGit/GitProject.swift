import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// A dver project inside a git working tree: where `dver.lock` lives in git's terms, the
/// managed `.gitignore` and `.gitattributes` blocks, and the merge driver's config.
public final class GitProject {
    public let project: Project
    public let git: GitRepository
    /// The project root relative to the git working tree ("" when they coincide).
    public let projectPath: String

    /// The name of the merge driver in git config and `.gitattributes`.
    public static let mergeDriverName = "dver-lock"

    init(project: Project, git: GitRepository) throws(GitError) {
        self.project = project
        self.git = git
        projectPath = try git.relativePath(of: project.root)
    }

    /// The git side of a project, or nil when no git repository encloses it. The repository is
    /// searched from `directory` (default: the project root); a hook passes its working
    /// directory, so that a project found above a nested worktree is recognized as foreign.
    /// - Throws: `GitError.projectOutsideWorkTree` when the project is not inside that
    ///   repository's working tree, other `GitError`s when it cannot be used (bare, broken).
    public static func open(_ project: Project, from directory: String? = nil) throws(GitError) -> GitProject? {
        guard let git = try GitRepository.discover(from: directory ?? project.root) else { return nil }
        return try GitProject(project: project, git: git)
    }

    /// Absolute path of `dver.lock`.
    public var lockFilePath: String { "\(project.root)/\(LockFile.fileName)" }

    /// `dver.lock`'s path in git trees (relative to the working tree root).
    public var lockPathInGit: String { projectPath.isEmpty ? LockFile.fileName : "\(projectPath)/\(LockFile.fileName)" }

    // MARK: The lock

    /// The lock file in the working tree, nil when there is none.
    /// - Throws: `GitError.malformedLock`, system errors.
    public func workingLock() throws -> LockFile? {
        guard FileSystem.exists(lockFilePath) else { return nil }
        return try LockFile.parse(try FileSystem.readText(lockFilePath), source: lockFilePath)
    }

    /// The lock file in a git commit, nil when that commit has none.
    /// - Throws: `GitError.unknownRevision`, `.malformedLock`.
    public func lock(atCommit commit: String) throws(GitError) -> LockFile? {
        guard let bytes = try git.blob(commit: commit, path: lockPathInGit) else { return nil }
        return try LockFile.parse(String(decoding: bytes, as: UTF8.self), source: "\(String(commit.prefix(12))):\(lockPathInGit)")
    }

    /// Writes `dver.lock` for the project's current state (only when its content changes).
    /// Entries of the existing file that the checked-out data still holds are kept as they are
    /// (`LockFile.current(of:keeping:)`), so the same data always gives the same bytes; a file
    /// that does not parse (an unresolved merge) is replaced.
    /// - Returns: the lock and whether the file changed.
    /// - Throws: store and system errors.
    @discardableResult
    public func writeLock() throws -> (lock: LockFile, changed: Bool) {
        let existing: LockFile?
        do { existing = try workingLock() } catch GitError.malformedLock { existing = nil }
        let lock = try LockFile.current(of: project, keeping: existing)
        let text = lock.rendered()
        if FileSystem.exists(lockFilePath), try FileSystem.readText(lockFilePath) == text { return (lock, false) }
        try FileSystem.writeAtomically(lockFilePath, text: text, durable: project.writeSettings.durable)
        return (lock, true)
    }

    /// Stages `dver.lock` in git's index (the one `git commit` is building, inside a hook).
    /// - Throws: `GitError.library`.
    public func stageLock() throws(GitError) { try git.stage(lockPathInGit) }

    // MARK: Ignore and attributes blocks

    /// Rewrites the managed block of the project's `.gitignore`: the store and every repo's
    /// workspace directory, anchored at the project root.
    /// - Returns: whether the file changed.
    /// - Throws: store and system errors.
    @discardableResult
    public func updateIgnoreFile() throws -> Bool {
        let mounts = try project.repos().map(\.mount).sorted { $0.precedesInByteOrder($1) }
        let lines = ["/\(StoreLayout.directoryName)/"] + mounts.map { "/\(Self.escapedForIgnore($0))/" }
        return try ignoreBlock.write(lines)
    }

    var ignoreBlock: ManagedBlock {
        ManagedBlock(path: "\(project.root)/.gitignore",
                     purpose: "dver: the store and repo workspaces (updated by dver; edit outside this block)")
    }

    var attributesBlock: ManagedBlock {
        ManagedBlock(path: "\(project.root)/.gitattributes", purpose: "dver: merge driver for dver.lock")
    }

    /// gitignore patterns treat `*?[\` and a leading `#`/`!` specially; repo paths are literal.
    static func escapedForIgnore(_ path: String) -> String {
        var result = ""
        for character in path {
            if "*?[\\#!".contains(character) { result.append("\\") }
            if character == " " { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// Registers the `dver-lock` merge driver: `.gitattributes` block plus
    /// `merge.dver-lock.{name,driver}` in the repository's own config.
    /// - Throws: `GitError.library`, system errors.
    public func installMergeDriver() throws {
        try attributesBlock.write(["/\(LockFile.fileName) merge=\(Self.mergeDriverName)"])
        try git.setLocalConfig("merge.\(Self.mergeDriverName).name", "dver.lock merge driver (dver hooks install)")
        // git runs the driver at the working tree root with paths relative to it.
        let project = projectPath.isEmpty ? "" : "--project \(HookBlock.shellQuoted(projectPath)) "
        try git.setLocalConfig("merge.\(Self.mergeDriverName).driver", "dver hooks merge-lock \(project)%O %A %B")
    }

    /// Removes what `installMergeDriver` added: only dver's lines of `.gitattributes` (the file is
    /// deleted if nothing else was in it, unless git tracks it).
    /// - Throws: `GitError.library`, system errors.
    public func uninstallMergeDriver() throws {
        let attributes = projectPath.isEmpty ? ".gitattributes" : "\(projectPath)/.gitattributes"
        try attributesBlock.remove(keepFile: git.isTracked(attributes))
        try git.removeLocalConfig("merge.\(Self.mergeDriverName).name")
        try git.removeLocalConfig("merge.\(Self.mergeDriverName).driver")
    }

    /// Whether git config names dver's merge driver.
    public func mergeDriverConfigured() throws(GitError) -> Bool {
        try git.configString("merge.\(Self.mergeDriverName).driver") != nil
    }

    /// The hook installer for this repository's hooks directory.
    /// - Throws: `GitError.library`.
    public func hookInstaller() throws(GitError) -> HookInstaller {
        HookInstaller(directory: try git.hooksDirectory(), projectPath: projectPath)
    }
}
