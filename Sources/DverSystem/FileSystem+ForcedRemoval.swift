#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// Removes `path` and everything beneath it, as `removeTree` does, also where `removeTree`
    /// gives up on what a pipeline datum may leave: directories without write or read permission
    /// (they are chmod'ed to 0700 — possible where the caller owns them), names that are not
    /// UTF-8, and trees of any depth (it works through directory descriptors, one or two open at
    /// a time, without recursion or path-length limits). Symlinks are removed, never followed.
    /// - Throws: `SystemError` for what cannot be removed even so (another user's files, a
    ///   read-only file system), or when a directory was moved meanwhile.
    public static func removeTreeForcibly(_ path: String) throws {
        guard let info = try linkStatusIfExists(path) else { return }
        guard info.kind == .directory else { return try remove(path) }
        if info.mode & 0o700 != 0o700 { _ = chmod(path, 0o700) }
        try empty(path)
        _ = try retryingEINTR("rmdir", path: path) { rmdir(path) }
    }

    /// Removes everything in the directory `path`, depth first, holding a descriptor of the
    /// directory it works in and the identities of those above it (checked on the way back up).
    private static func empty(_ path: String) throws {
        var current = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        defer { current.close() }
        var ancestors = [(device: UInt64, inode: UInt64)]()
        while true {
            if let child = try clearEntries(current, shownAs: path) {
                let status = try current.status()
                let next = try openChild(current, child, shownAs: path)
                ancestors.append((status.device, status.inode))
                current.close()
                current = next
                continue
            }
            guard let expected = ancestors.popLast() else { return }
            // Back up one level; the parent's next listing removes the now empty directory.
            let parent = FileDescriptor(rawValue: try retryingEINTR("openat", path: "\(path)/…/..") {
                openat(current.rawValue, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }, path: path)
            let status = try parent.status()
            guard status.device == expected.device, status.inode == expected.inode else {
                parent.close()
                throw SystemError("openat ..", path: path, errno: ESTALE)  // moved meanwhile
            }
            current.close()
            current = parent
        }
    }

    /// Unlinks the files, symlinks and empty subdirectories of the directory open as `directory`.
    /// Returns the (NUL-terminated) name of a subdirectory that is not empty, to descend into,
    /// or nil when the directory is empty now.
    private static func clearEntries(_ directory: FileDescriptor, shownAs path: String) throws -> [CChar]? {
        // A descriptor of its own: a dup would share the offset left at the end by the last listing.
        let listing = try retryingEINTR("openat", path: path) { openat(directory.rawValue, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard let stream = fdopendir(listing) else {
            let code = errno
            close(listing)
            throw SystemError("fdopendir", path: path, errno: code)
        }
        defer { closedir(stream) }
        var madeWritable = false
        while let entry = readdir(stream) {
            let name: [CChar] = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.prefix { $0 != 0 }.map { CChar(bitPattern: $0) } + [0]  // d_name is NUL-terminated
            }
            if name == [0x2e, 0] || name == [0x2e, 0x2e, 0] { continue }
            let type = Int32(entry.pointee.d_type)
            let maybeDirectory = type == Int32(DT_DIR) || type == Int32(DT_UNKNOWN)
            while true {
                let code = unlink(name, in: directory, maybeDirectory: maybeDirectory)
                if code == 0 || code == ENOENT { break }
                if code == ENOTEMPTY || code == EEXIST { return name }
                if code == EACCES || code == EPERM, !madeWritable {
                    madeWritable = true
                    _ = fchmod(directory.rawValue, 0o700)
                    continue
                }
                throw SystemError("unlinkat", path: shown(path, name), errno: code)
            }
        }
        return nil
    }

    /// unlinkat of a file, or of an empty directory when `maybeDirectory`; returns 0 or errno.
    private static func unlink(_ name: [CChar], in directory: FileDescriptor, maybeDirectory: Bool) -> Int32 {
        while true {
            if unlinkat(directory.rawValue, name, maybeDirectory ? AT_REMOVEDIR : 0) == 0 { return 0 }
            let code = errno
            if code == EINTR { continue }
            if code == ENOTDIR, maybeDirectory { return unlink(name, in: directory, maybeDirectory: false) }
            return code
        }
    }

    /// Opens a subdirectory for the removal, making it readable first if it is not.
    private static func openChild(_ directory: FileDescriptor, _ name: [CChar], shownAs path: String) throws -> FileDescriptor {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var fd = openat(directory.rawValue, name, flags)
        if fd < 0, errno == EACCES {
            _ = fchmodat(directory.rawValue, name, 0o700, 0)
            fd = openat(directory.rawValue, name, flags)
        }
        guard fd >= 0 else { throw SystemError("openat", path: shown(path, name), errno: errno) }
        // Listing and unlinking need read, write and search permission on it.
        _ = fchmod(fd, 0o700)
        return FileDescriptor(rawValue: fd, path: path)
    }

    private static func shown(_ path: String, _ name: [CChar]) -> String {
        "\(path)/…/" + FileName.escaped(name.dropLast().map { UInt8(bitPattern: $0) })
    }
}
