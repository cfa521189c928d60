#if canImport(Glibc)
import Glibc
#endif

/// Path-level file system operations.
public enum FileSystem {
    public struct DirectoryEntry: Sendable {
        public enum Kind: Sendable { case regular, directory, symlink, other, unknown }
        public let name: String
        public let kind: Kind
    }

    /// lstat: does not follow a final symlink.
    public static func linkStatus(_ path: String) throws -> FileStatus {
        var raw = stat()
        _ = try retryingEINTR("lstat", path: path) { lstat(path, &raw) }
        return FileStatus(raw)
    }

    /// lstat, or nil when nothing exists at `path`.
    public static func linkStatusIfExists(_ path: String) throws -> FileStatus? {
        var raw = stat()
        if lstat(path, &raw) == 0 { return FileStatus(raw) }
        let code = errno
        if code == ENOENT || code == ENOTDIR { return nil }
        throw SystemError("lstat", path: path, errno: code)
    }

    public static func status(_ path: String) throws -> FileStatus {
        var raw = stat()
        _ = try retryingEINTR("stat", path: path) { stat(path, &raw) }
        return FileStatus(raw)
    }

    public static func exists(_ path: String) -> Bool {
        var raw = stat()
        return lstat(path, &raw) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var raw = stat()
        return stat(path, &raw) == 0 && raw.st_mode & S_IFMT == S_IFDIR
    }

    /// Lists a directory's entries except `.` and `..`, unsorted. Names that are not valid
    /// UTF-8 are repaired (U+FFFD); `listRaw` gives the bytes.
    public static func list(_ path: String) throws -> [DirectoryEntry] {
        try listRaw(path).map { DirectoryEntry(name: String(decoding: $0.bytes, as: UTF8.self), kind: $0.kind) }
    }

    /// Creates `path` and missing parents; succeeds if it already is a directory. With
    /// `durable`, each directory created is made durable by an fsync of its parent (a new
    /// directory is only a directory entry until its parent is synced).
    public static func createDirectories(_ path: String, mode: mode_t = 0o755, durable: Bool = false) throws {
        if isDirectory(path) { return }
        let parent = parentPath(path)
        if !parent.isEmpty, parent != path { try createDirectories(parent, mode: mode, durable: durable) }
        if mkdir(path, mode) != 0 {
            let code = errno
            if code == EEXIST, isDirectory(path) { return }
            throw SystemError("mkdir", path: path, errno: code)
        }
        if durable { try syncDirectory(parent) }
    }

    public static func rename(_ from: String, to: String) throws {
        _ = try retryingEINTR("rename", path: to) { Glibc.rename(from, to) }
    }

    public static func remove(_ path: String) throws {
        _ = try retryingEINTR("unlink", path: path) { unlink(path) }
    }

    public static func removeIfExists(_ path: String) throws {
        if unlink(path) != 0, errno != ENOENT { throw SystemError("unlink", path: path, errno: errno) }
    }

    /// Removes an empty directory; returns false if it is not empty or missing.
    @discardableResult
    public static func removeEmptyDirectory(_ path: String) -> Bool {
        rmdir(path) == 0
    }

    /// Removes `path` and everything beneath it.
    public static func removeTree(_ path: String) throws {
        guard let info = try linkStatusIfExists(path) else { return }
        if info.kind == .directory {
            for entry in try list(path) { try removeTree(path + "/" + entry.name) }
            _ = try retryingEINTR("rmdir", path: path) { rmdir(path) }
        } else {
            try remove(path)
        }
    }

    public static func readLink(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try retryingEINTR("readlink", path: path) { readlink(path, &buffer, buffer.count - 1) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func createSymlink(_ path: String, target: String) throws {
        _ = try retryingEINTR("symlink", path: path) { symlink(target, path) }
    }

    /// The canonical absolute path with symlinks resolved.
    public static func realPath(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else { throw SystemError("realpath", path: path, errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "." }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    /// Reads a whole file.
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = try FileDescriptor.openForReading(path)
        defer { fd.close() }
        let size = Int(try fd.status().size)
        var bytes = [UInt8](repeating: 0, count: size)
        if size > 0 {
            let got = try bytes.withUnsafeMutableBytes { buffer in
                try fd.readFully(into: buffer.baseAddress!, count: size)  // size > 0 bytes
            }
            if got < size { bytes.removeLast(size - got) }
        }
        // Files may grow between fstat and read; pick up the rest.
        var extra = [UInt8](repeating: 0, count: 65536)
        while true {
            let more = try extra.withUnsafeMutableBytes { buffer in
                try fd.read(into: buffer.baseAddress!, count: buffer.count)  // non-empty buffer
            }
            if more == 0 { break }
            bytes.append(contentsOf: extra[..<more])
        }
        return bytes
    }

    public static func readText(_ path: String) throws -> String {
        String(decoding: try readFile(path), as: UTF8.self)
    }

    /// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path`, and
    /// fsyncs the directory when `durable`. Readers see the old or the new content, never a mix.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], durable: Bool = true,
                                       mode: mode_t = 0o644) throws {
        try writeAtomically(path, durable: durable, mode: mode) { try $0.writeAll(bytes) }
    }

    /// Writes a file atomically through `body`, which writes its bytes to the descriptor of a
    /// temporary file in the same directory (in as many writes as it likes: large files need
    /// not be built in memory first); then fsync, rename and directory fsync as above.
    public static func writeAtomically(_ path: String, durable: Bool = true, mode: mode_t = 0o644,
                                       _ body: (FileDescriptor) throws -> Void) throws {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        InterruptCleanup.registerTemporary(temporary)
        defer { InterruptCleanup.unregisterTemporary(temporary) }
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        do {
            try body(fd)
            if durable { try fd.sync() }
            fd.close()
            try rename(temporary, to: path)
        } catch {
            fd.close()
            _ = unlink(temporary)
            throw error
        }
        if durable { try syncDirectory(parentPath(path)) }
    }

    public static func writeAtomically(_ path: String, text: String, durable: Bool = true) throws {
        try writeAtomically(path, Array(text.utf8), durable: durable)
    }

    /// fsyncs a directory so that renames and creations inside it are durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = try FileDescriptor.open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY)
        defer { fd.close() }
        try fd.sync()
    }

    /// The directory part of `path` ("" when there is none).
    public static func parentPath(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// chmod.
    public static func changeMode(_ path: String, _ mode: mode_t) throws {
        _ = try retryingEINTR("chmod", path: path) { chmod(path, mode) }
    }
}
