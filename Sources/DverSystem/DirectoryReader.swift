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
                return String(cString: pointer)
            }
            if name.isEmpty { continue }
            entries.append(Entry(name: name, status: FileStatus(raw)))
        }
        return entries
    }
}
