#if canImport(Glibc)
import Glibc
#endif

/// An open directory, reached from a trusted directory one component at a time with
/// `O_NOFOLLOW | O_DIRECTORY`, so no symlink — whatever created it, in whatever order — can
/// redirect a file created, renamed or removed through it. Every operation is relative to the
/// descriptor (`openat`, `mkdirat`, `renameat`, `unlinkat`, `symlinkat`, `fstatat`).
///
/// The descriptor is closed when the handle is released.
public final class DirectoryHandle: Sendable {
    public let descriptor: Int32
    /// The directory's path, for messages only: operations never resolve it.
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { _ = Glibc.close(descriptor) }

    /// Opens a directory by its path, following symlinks: for a directory the caller trusts,
    /// such as the project root (already resolved with realpath).
    /// - Throws: `SystemError`.
    public static func open(trusted path: String) throws -> DirectoryHandle {
        let fd = try retryingEINTR("open", path: path) { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        return DirectoryHandle(descriptor: fd, path: path)
    }

    private func childPath(_ name: String) -> String { "\(path)/\(name)" }

    /// Opens the subdirectory `name` without following a symlink.
    /// - Parameters:
    ///   - create: make it (mode 0755) when missing.
    ///   - replacing: with `create`, remove a file or symlink standing where it must be.
    /// - Throws: `SystemError` (ELOOP or ENOTDIR when a symlink or file is in the way).
    public func child(_ name: String, create: Bool = false, replacing: Bool = false) throws -> DirectoryHandle {
        for attempt in 0..<3 {
            let fd = Glibc.openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd >= 0 { return DirectoryHandle(descriptor: fd, path: childPath(name)) }
            let code = errno
            if code == EINTR { continue }
            guard create, attempt < 2 else { throw SystemError("open", path: childPath(name), errno: code) }
            if code == ENOENT {
                if mkdirat(descriptor, name, 0o755) != 0, errno != EEXIST {
                    throw SystemError("mkdir", path: childPath(name), errno: errno)
                }
            } else if replacing, code == ELOOP || code == ENOTDIR {
                try removeFile(name)
            } else {
                throw SystemError("open", path: childPath(name), errno: code)
            }
        }
        throw SystemError("open", path: childPath(name), errno: ELOOP)
    }

    /// Opens the directory at the slash-separated `relative` path below this one, component by
    /// component (see `child`). "" is this directory itself (a new handle).
    public func descend(_ relative: String, create: Bool = false, replacing: Bool = false) throws -> DirectoryHandle {
        var current = self
        for component in relative.split(separator: "/") {
            current = try current.child(String(component), create: create, replacing: replacing)
        }
        if current === self { return try child(".") }
        return current
    }

    /// Like `descend`, but nil when a component is missing or is not a directory (a file or a
    /// symlink): then nothing below it exists inside this tree.
    public func descendIfPresent(_ relative: String) throws -> DirectoryHandle? {
        do {
            return try descend(relative)
        } catch let error as SystemError where [ENOENT, ENOTDIR, ELOOP].contains(error.errno) {
            return nil
        }
    }

    /// lstat of `name`, or nil when it does not exist.
    public func status(_ name: String) throws -> FileStatus? {
        var raw = stat()
        while fstatat(descriptor, name, &raw, AT_SYMLINK_NOFOLLOW) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT { return nil }
            throw SystemError("lstat", path: childPath(name), errno: code)
        }
        return FileStatus(raw)
    }

    /// Creates a new file `name` for writing; fails if anything (even a dangling symlink) is there.
    public func createFile(_ name: String, mode: mode_t) throws -> FileDescriptor {
        let fd = try retryingEINTR("open", path: childPath(name)) {
            Glibc.openat(descriptor, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        return FileDescriptor(rawValue: fd, path: childPath(name))
    }

    /// Opens the regular file `name` for reading without following a symlink.
    public func openFile(_ name: String) throws -> FileDescriptor {
        let fd = try retryingEINTR("open", path: childPath(name)) {
            Glibc.openat(descriptor, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        }
        return FileDescriptor(rawValue: fd, path: childPath(name))
    }

    public func createSymlink(_ name: String, target: String) throws {
        _ = try retryingEINTR("symlink", path: childPath(name)) { symlinkat(target, descriptor, name) }
    }

    /// Renames `from` to `to`, both in this directory, replacing a file at `to`.
    public func rename(_ from: String, to: String) throws {
        _ = try retryingEINTR("rename", path: childPath(to)) { renameat(descriptor, from, descriptor, to) }
    }

    /// Removes a file or symlink; nothing there is not an error.
    public func removeFile(_ name: String) throws {
        if unlinkat(descriptor, name, 0) != 0, errno != ENOENT {
            throw SystemError("unlink", path: childPath(name), errno: errno)
        }
    }

    /// Removes an empty directory; false when it is not empty, missing or not a directory.
    @discardableResult
    public func removeEmptyDirectory(_ name: String) -> Bool {
        unlinkat(descriptor, name, AT_REMOVEDIR) == 0
    }

    /// Removes `name` and, for a directory, everything beneath it, never following a symlink.
    public func removeTree(_ name: String) throws {
        try name.withCString { try removeTree(raw: $0, display: name) }
    }

    private func removeTree(raw name: UnsafePointer<CChar>, display: String) throws {
        var raw = stat()
        if fstatat(descriptor, name, &raw, AT_SYMLINK_NOFOLLOW) != 0 {
            if errno == ENOENT { return }
            throw SystemError("lstat", path: childPath(display), errno: errno)
        }
        if raw.st_mode & S_IFMT != S_IFDIR {
            if unlinkat(descriptor, name, 0) != 0, errno != ENOENT { throw SystemError("unlink", path: childPath(display), errno: errno) }
            return
        }
        let fd = try retryingEINTR("open", path: childPath(display)) {
            Glibc.openat(descriptor, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        let directory = DirectoryHandle(descriptor: fd, path: childPath(display))
        for entry in try directory.rawNames() {
            try entry.withUnsafeBufferPointer { buffer in
                // rawNames keeps each name's terminating NUL.
                try directory.removeTree(raw: buffer.baseAddress!, display: String(decoding: buffer.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        if unlinkat(descriptor, name, AT_REMOVEDIR) != 0 { throw SystemError("rmdir", path: childPath(display), errno: errno) }
    }

    /// The names in this directory except `.` and `..`, unsorted, as NUL-terminated bytes
    /// (names need not be UTF-8).
    public func rawNames() throws -> [[CChar]] {
        let copy = try retryingEINTR("dup", path: path) { dup(descriptor) }
        guard let directory = fdopendir(copy) else {
            let code = errno
            _ = Glibc.close(copy)
            throw SystemError("opendir", path: path, errno: code)
        }
        defer { closedir(directory) }
        rewinddir(directory)
        var names = [[CChar]]()
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let pointer = raw.baseAddress!.assumingMemoryBound(to: CChar.self)  // d_name is NUL-terminated
                return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer) + 1))
            }
            if name != [46, 0], name != [46, 46, 0] { names.append(name) }
        }
        return names
    }
}
