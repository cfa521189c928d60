#if canImport(Glibc)
import Glibc
#endif

/// Lists directories with readdir, lstat'ing entries through the directory's descriptor
/// (fstatat) so the kernel does not walk the full path for every file.
public enum DirectoryReader {
    /// Appended to names that are not valid UTF-8 (spelled with `FileName.escaped`), which no
    /// real name can contain since it holds a NUL. `isInvalidName` tests for it.
    public static let invalidNameMarker = "\u{0}<invalid UTF-8>"

    /// True for a name (or a path holding a name) that `list` marked as not valid UTF-8.
    public static func isInvalidName(_ name: String) -> Bool { name.utf8.contains(0) }

    /// The printable spelling of a path holding marked names (the escapes, without the marker).
    public static func displayName(_ name: String) -> String {
        name.split(separator: "/", omittingEmptySubsequences: false)
            .map { component in component.firstIndex(of: "\u{0}").map { component[..<$0] } ?? component }
            .joined(separator: "/")
    }
}

extension DirectoryReader {
    /// A directory entry with the type readdir reported and, for the entries a caller asked
    /// about, a tag and lstat data.
    public struct TypedEntry: Sendable {
        public let name: String
        public let isDirectory: Bool
        /// The caller's tag for this name (see `list`), nil for names it did not ask about.
        public let tag: Int?
        public let status: FileStatus?
    }

    /// Lists a directory using readdir's d_type. `tag(name)` returns a value for names the
    /// caller tracks; those (and entries of unknown type) are lstat'ed with fstatat on the
    /// directory. A missing directory lists as empty.
    public static func list(_ path: String, tag: (String) -> Int?) throws -> [TypedEntry] {
        guard let directory = opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw SystemError("opendir", path: path, errno: errno)
        }
        defer { closedir(directory) }
        let fd = dirfd(directory)
        var entries = [TypedEntry]()
        var raw = stat()
        while let entry = readdir(directory) {
            let type = Int32(entry.pointee.d_type)
            var status: FileStatus?
            var tagged: Int?
            let name: String? = withUnsafeBytes(of: &entry.pointee.d_name) { bytes in
                let pointer = bytes.baseAddress!.assumingMemoryBound(to: CChar.self) // d_name is NUL-terminated
                let name = String(validatingCString: pointer)
                    ?? FileName.escaped(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))) + Self.invalidNameMarker
                if name == "." || name == ".." { return nil }
                tagged = tag(name)
                if type == Int32(DT_UNKNOWN) || tagged != nil {
                    // The kernel's own bytes: no C string is built from `name` per file.
                    guard fstatat(fd, pointer, &raw, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }  // vanished meanwhile
                    status = FileStatus(raw)
                }
                return name
            }
            guard let name else { continue }
            let isDirectory = status.map { $0.kind == .directory } ?? (type == Int32(DT_DIR))
            entries.append(TypedEntry(name: name, isDirectory: isDirectory, tag: tagged, status: status))
        }
        return entries
    }
}
