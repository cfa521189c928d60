import DverCore
import DverStore
import DverSystem

/// The workspace's directories as seen by commands that change files: every directory is
/// opened from the project root one component at a time without following symlinks
/// (`DirectoryHandle`), so a symlink in the workspace — left by an earlier checkout, made by
/// the user, or raced in meanwhile — can never make dver write or delete outside the project.
/// A mount path that passes through a symlink is refused for the same reason.
struct WorkspaceFiles: Sendable {
    let root: DirectoryHandle

    /// - Throws: `SystemError` when the project root cannot be opened.
    init(root: String) throws {
        self.root = try DirectoryHandle.open(trusted: root)
    }

    /// The directory at a project-relative path, created (with missing parents) when `create`;
    /// with `create`, files or symlinks standing where a directory must go are removed
    /// (callers have checked that nothing uncommitted is lost).
    /// - Throws: `SystemError` (ELOOP/ENOTDIR without `create` when a symlink or file is in the way).
    func directory(_ path: String, create: Bool) throws -> DirectoryHandle {
        try root.descend(path, create: create, replacing: create)
    }

    /// Removes the file or symlink at a project-relative path. Nothing is removed when the path
    /// does not exist inside the project (a parent is missing, or is a file or symlink).
    func removeFile(_ path: String) throws {
        guard let parent = try root.descendIfPresent(RepoPath.parent(path)) else { return }
        let name = RepoPath.lastComponent(path)
        if let status = try parent.status(name), status.kind == .directory {
            try parent.removeTree(name)
        } else {
            try parent.removeFile(name)
        }
    }

    /// Removes directories left empty by a deletion, up to (not including) the mount.
    func pruneEmptyDirectories(above path: String, mount: String) {
        var directory = RepoPath.parent(path)
        while RepoPath.isWithin(directory, mount), directory != mount,
              let parent = try? root.descendIfPresent(RepoPath.parent(directory)),
              parent.removeEmptyDirectory(RepoPath.lastComponent(directory)) {
            directory = RepoPath.parent(directory)
        }
    }
}
