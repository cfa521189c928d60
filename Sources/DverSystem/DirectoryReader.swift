#if canImport(Glibc)
import Glibc
#endif

/// Lists a directory together with lstat data of each entry, using the directory's descriptor
/// (fstatat) so the kernel does not walk the full path for every file.
public enum DirectoryReader {
    public struct Entry: Sendable {
        public let name: String
        public let status: FileStatus
    }

    /// Appended to names that are not valid UTF-8 (after repairing them), which no real name
    /// can contain since it holds a NUL.
    public static let invalidNameMarker = "\u{0}<invalid UTF-8>"

    /// Entries except `.` and `..`, unsorted. Entries that vanish while listing are skipped.
    /// - Throws: `SystemError` when the directory cannot be opened.
    public static func list(_ path: String) throws -> [Entry] {
        guard let directory = opendir(path) else { throw SystemError("opendir", path: path, errno: errno) }
        defer { closedir(directory) }
        let fd = dirfd(directory)
        var entries = [Entry]()
        var raw = stat()
        while let entry = readdir(directory) {
            let skip: Bool = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if skip { continue }
            let name: String = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                let pointer = bytes.baseAddress!.assumingMemoryBound(to: CChar.self) // d_name is NUL-terminated
                if fstatat(fd, pointer, &raw, AT_SYMLINK_NOFOLLOW) != 0 { return "" }
                // Invalid UTF-8 is kept visible (repaired with U+FFFD) so callers can reject it.
                return String(validatingCString: pointer) ?? String(cString: pointer) + Self.invalidNameMarker
            }
            if name.isEmpty { continue }
            entries.append(Entry(name: name, status: FileStatus(raw)))
        }
        return entries
    }
}

extension DirectoryReader {
    /// A directory entry with the type readdir reported and, for the entries a caller asked
    /// about, a tag and lstat data.
    public struct TypedEntry: Sendable {
        public let name: String
        public let isDirectory: Bool
        /// The caller's tag for this name (see `listTyped`), nil for names it did not ask about.
        public let tag: Int?
        public let status: FileStatus?
    }

    /// Lists a directory using readdir's d_type. `tag(name)` returns a value for names the
    /// caller tracks; those (and entries of unknown type) are lstat'ed with fstatat on the
    /// directory. A missing directory lists as empty.
    public static func listTyped(_ path: String, tag: (String) -> Int?) throws -> [TypedEntry] {
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
            let name: String = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                let pointer = bytes.baseAddress!.assumingMemoryBound(to: CChar.self) // d_name is NUL-terminated
                return String(validatingCString: pointer) ?? String(cString: pointer) + Self.invalidNameMarker
            }
            if name == "." || name == ".." { continue }
            let tagged = tag(name)
            var status: FileStatus?
            if type == Int32(DT_UNKNOWN) || tagged != nil {
                guard fstatat(fd, name, &raw, AT_SYMLINK_NOFOLLOW) == 0 else { continue }  // vanished meanwhile
                status = FileStatus(raw)
            }
            let isDirectory = status.map { $0.kind == .directory } ?? (type == Int32(DT_DIR))
            entries.append(TypedEntry(name: name, isDirectory: isDirectory, tag: tagged, status: status))
        }
        return entries
    }
}
