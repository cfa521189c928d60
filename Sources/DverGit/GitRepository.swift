import CGit2
import DverSystem
import Foundation

/// An open git repository (libgit2 handle). Not thread-safe: use one per thread.
public final class GitRepository {
    let handle: OpaquePointer

    /// The working tree root (symlinks resolved, no trailing slash).
    public let workTree: String
    /// The repository's git directory (`.git`, or `.git/worktrees/NAME` in a linked worktree).
    public let gitDirectory: String
    /// The directory shared by all worktrees (`.git` of the main worktree).
    public let commonDirectory: String

    private init(handle: OpaquePointer, workTree: String) {
        self.handle = handle
        self.workTree = workTree
        gitDirectory = Self.trimmed(String(cString: git_repository_path(handle)))
        commonDirectory = Self.trimmed(String(cString: git_repository_commondir(handle)))
    }

    deinit { git_repository_free(handle) }

    /// Opens the repository enclosing `path`, searching parent directories like git does
    /// (a `.git` file of a worktree or submodule is followed by libgit2).
    /// - Returns: nil when no repository encloses `path`.
    /// - Throws: `GitError.bareRepository`, or `.library` when a repository exists but cannot be opened.
    public static func discover(from path: String) throws(GitError) -> GitRepository? {
        LibGit2.ensureInitialized()
        var handle: OpaquePointer?
        let code = git_repository_open_ext(&handle, path, 0, nil)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try LibGit2.check(code, "opening the git repository at '\(path)'")
        guard let handle else { return nil }
        guard let workdir = git_repository_workdir(handle) else {
            git_repository_free(handle)
            throw .bareRepository(path: path)
        }
        let tree = trimmed(String(cString: workdir))
        return GitRepository(handle: handle, workTree: (try? FileSystem.realPath(tree)) ?? tree)
    }

    /// Like `discover`, but a missing repository is an error.
    /// - Throws: `GitError.notARepository`.
    public static func open(from path: String) throws(GitError) -> GitRepository {
        guard let repository = try discover(from: path) else { throw .notARepository(path: path) }
        return repository
    }

    private static func trimmed(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// `path` (absolute, symlinks resolved) relative to the working tree; "" for the root.
    /// - Throws: `GitError.projectOutsideWorkTree`.
    public func relativePath(of path: String) throws(GitError) -> String {
        if path == workTree { return "" }
        guard path.hasPrefix(workTree + "/") else { throw .projectOutsideWorkTree(project: path, workTree: workTree) }
        return String(path.dropFirst(workTree.count + 1))
    }

    // MARK: State and HEAD

    /// An operation git has in progress (rebase, merge, ...).
    public enum State: String, Sendable {
        case none, merge, revert, cherryPick = "cherry-pick", bisect, rebase, applyMailbox = "am"
    }

    /// What git is in the middle of, from `git_repository_state`.
    public var state: State {
        let value = git_repository_state(handle)
        switch git_repository_state_t(rawValue: UInt32(bitPattern: value)) {
        case GIT_REPOSITORY_STATE_MERGE: return .merge
        case GIT_REPOSITORY_STATE_REVERT, GIT_REPOSITORY_STATE_REVERT_SEQUENCE: return .revert
        case GIT_REPOSITORY_STATE_CHERRYPICK, GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE: return .cherryPick
        case GIT_REPOSITORY_STATE_BISECT: return .bisect
        case GIT_REPOSITORY_STATE_REBASE, GIT_REPOSITORY_STATE_REBASE_INTERACTIVE, GIT_REPOSITORY_STATE_REBASE_MERGE:
            return .rebase
        case GIT_REPOSITORY_STATE_APPLY_MAILBOX, GIT_REPOSITORY_STATE_APPLY_MAILBOX_OR_REBASE: return .applyMailbox
        default: return .none
        }
    }

    /// Where HEAD points.
    public enum Head: Sendable, Equatable {
        /// A branch with no commits yet (fresh `git init`).
        case unborn(branch: String?)
        case branch(String, commit: String)
        case detached(commit: String)

        /// The commit id (hex), nil when unborn.
        public var commit: String? {
            switch self {
            case .unborn: return nil
            case .branch(_, let commit), .detached(let commit): return commit
            }
        }
    }

    /// HEAD: branch and commit, detached commit, or unborn.
    /// - Throws: `GitError.library`.
    public func head() throws(GitError) -> Head {
        var reference: OpaquePointer?
        let code = git_repository_head(&reference, handle)
        if code == GIT_EUNBORNBRANCH.rawValue || code == GIT_ENOTFOUND.rawValue {
            return .unborn(branch: unbornBranchName())
        }
        try LibGit2.check(code, "reading HEAD")
        guard let reference else { return .unborn(branch: nil) }
        defer { git_reference_free(reference) }
        var peeled: OpaquePointer?
        try LibGit2.check(git_reference_peel(&peeled, reference, GIT_OBJECT_COMMIT), "resolving HEAD to a commit")
        defer { git_object_free(peeled) }
        let commit = LibGit2.hex(git_object_id(peeled))
        if git_repository_head_detached(handle) == 1 { return .detached(commit: commit) }
        return .branch(String(cString: git_reference_shorthand(reference)), commit: commit)
    }

    private func unbornBranchName() -> String? {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, "HEAD") == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        guard let target = git_reference_symbolic_target(reference) else { return nil }
        let name = String(cString: target)
        return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : name
    }

    // MARK: Revisions and blobs

    /// The commit id (hex) a revision (`HEAD`, `v1.0`, `main~2`, an id prefix) names.
    /// - Throws: `GitError.unknownRevision`.
    public func resolveCommit(_ revision: String) throws(GitError) -> String {
        var object: OpaquePointer?
        guard git_revparse_single(&object, handle, revision) == 0, let object else { throw .unknownRevision(revision) }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else { throw .unknownRevision(revision) }
        defer { git_object_free(commit) }
        return LibGit2.hex(git_object_id(commit))
    }

    /// The bytes of the file at `path` (relative to the working tree) in a commit's tree; nil
    /// when the commit has no such file.
    /// - Throws: `GitError.unknownRevision` for a bad commit id, `.library` on read errors.
    public func blob(commit hex: String, path: String) throws(GitError) -> [UInt8]? {
        let commit = try lookupCommit(hex)
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        try LibGit2.check(git_commit_tree(&tree, commit), "reading the tree of commit \(hex)")
        defer { git_tree_free(tree) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, tree, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try LibGit2.check(code, "looking up '\(path)' in commit \(hex)")
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
        var blob: OpaquePointer?
        try LibGit2.check(git_blob_lookup(&blob, handle, git_tree_entry_id(entry)), "reading '\(path)' in commit \(hex)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: content, count: size))
    }

    func lookupCommit(_ hex: String) throws(GitError) -> OpaquePointer {
        var oid = git_oid()
        guard git_oid_fromstr(&oid, hex) == 0 else { throw .unknownRevision(hex) }
        var commit: OpaquePointer?
        guard git_commit_lookup(&commit, handle, &oid) == 0, let commit else { throw .unknownRevision(hex) }
        return commit
    }

    // MARK: Config

    /// A config value from all levels (local, global, system), nil when unset.
    /// - Throws: `GitError.library`.
    public func configString(_ key: String) throws(GitError) -> String? {
        try withConfig { config throws(GitError) in
            var buffer = git_buf()
            let code = git_config_get_string_buf(&buffer, config, key)
            if code == GIT_ENOTFOUND.rawValue { return nil }
            try LibGit2.check(code, "reading git config '\(key)'")
            return LibGit2.string(&buffer)
        }
    }

    /// Sets a value in the repository's own config (`.git/config`).
    /// - Throws: `GitError.library`.
    public func setLocalConfig(_ key: String, _ value: String) throws(GitError) {
        try withLocalConfig { config throws(GitError) in
            _ = try LibGit2.check(git_config_set_string(config, key, value), "setting git config '\(key)'")
        }
    }

    /// Removes a key from the repository's own config; nothing when unset.
    /// - Throws: `GitError.library`.
    public func removeLocalConfig(_ key: String) throws(GitError) {
        try withLocalConfig { config throws(GitError) in
            let code = git_config_delete_entry(config, key)
            if code == GIT_ENOTFOUND.rawValue { return }
            try LibGit2.check(code, "removing git config '\(key)'")
        }
    }

    private func withConfig<T>(_ body: (OpaquePointer?) throws(GitError) -> T) throws(GitError) -> T {
        var config: OpaquePointer?
        try LibGit2.check(git_repository_config_snapshot(&config, handle), "opening git config")
        defer { git_config_free(config) }
        return try body(config)
    }

    @discardableResult
    private func withLocalConfig<T>(_ body: (OpaquePointer?) throws(GitError) -> T) throws(GitError) -> T {
        var config: OpaquePointer?
        try LibGit2.check(git_repository_config(&config, handle), "opening git config")
        defer { git_config_free(config) }
        var local: OpaquePointer?
        try LibGit2.check(git_config_open_level(&local, config, GIT_CONFIG_LEVEL_LOCAL), "opening .git/config")
        defer { git_config_free(local) }
        return try body(local)
    }

    /// The directory git runs hooks from: `core.hooksPath` when set (a relative value is taken
    /// relative to the working tree root, where git runs hooks), else `hooks/` in the common
    /// git directory (shared by all worktrees). libgit2 1.5's `git_repository_item_path` does
    /// not apply `core.hooksPath`, so it is resolved here.
    /// - Throws: `GitError.library`.
    public func hooksDirectory() throws(GitError) -> String {
        let configured: String? = try withConfig { config throws(GitError) in
            var buffer = git_buf()
            let code = git_config_get_path(&buffer, config, "core.hooksPath")
            if code == GIT_ENOTFOUND.rawValue { return nil }
            try LibGit2.check(code, "reading git config 'core.hooksPath'")
            return LibGit2.string(&buffer)
        }
        if let configured, !configured.isEmpty {
            return Self.trimmed(configured.hasPrefix("/") ? configured : "\(workTree)/\(configured)")
        }
        var buffer = git_buf()
        try LibGit2.check(git_repository_item_path(&buffer, handle, GIT_REPOSITORY_ITEM_HOOKS), "locating the hooks directory")
        return Self.trimmed(LibGit2.string(&buffer))
    }

    // MARK: Index

    /// Stages one working-tree file (path relative to the working tree) in git's index, as
    /// `git add PATH` would. Inside a hook, `$GIT_INDEX_FILE` (the index `git commit` is
    /// building) is the index updated.
    /// - Throws: `GitError.library`.
    public func stage(_ path: String) throws(GitError) {
        var index: OpaquePointer?
        if let file = ProcessInfo.processInfo.environment["GIT_INDEX_FILE"], !file.isEmpty {
            let absolute = file.hasPrefix("/") ? file : "\(workTree)/\(file)"
            try LibGit2.check(git_index_open(&index, absolute), "opening git index '\(absolute)'")
            git_repository_set_index(handle, index)
        } else {
            try LibGit2.check(git_repository_index(&index, handle), "opening the git index")
        }
        defer { git_index_free(index) }
        try LibGit2.check(git_index_read(index, 0), "reading the git index")
        try LibGit2.check(git_index_add_bypath(index, path), "staging '\(path)'")
        try LibGit2.check(git_index_write(index), "writing the git index")
    }
}
