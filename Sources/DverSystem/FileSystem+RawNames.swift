#if canImport(Glibc)
import Glibc
#endif

extension FileSystem {
    /// A directory entry with its name as the bytes the kernel returned. `list` decodes names
    /// leniently (invalid UTF-8 repaired); callers that must refuse such names, rather than
    /// store them altered, list with `listRaw`.
    public struct RawDirectoryEntry: Sendable {
        public let bytes: [UInt8]
        public let kind: DirectoryEntry.Kind

        /// The name, or nil when it is not valid UTF-8.
        public var name: String? { String(validating: bytes, as: UTF8.self) }
        /// The name for messages: bytes that are not valid UTF-8 are written `\xNN`.
        public var escapedName: String { FileName.escaped(bytes) }
    }

    /// Lists a directory's entries except `.` and `..`, unsorted, names undecoded.
    /// - Throws: `SystemError` from opendir.
    public static func listRaw(_ path: String) throws -> [RawDirectoryEntry] {
        guard let directory = opendir(path) else {
            throw SystemError("opendir", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var entries = [RawDirectoryEntry]()
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })  // d_name is NUL-terminated
            }
            if bytes == [0x2e] || bytes == [0x2e, 0x2e] { continue }
            let kind: DirectoryEntry.Kind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .regular
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN): kind = .unknown
            default: kind = .other
            }
            entries.append(RawDirectoryEntry(bytes: bytes, kind: kind))
        }
        return entries
    }

    /// A symlink's target as the bytes readlink returned (`readLink` decodes them leniently).
    /// - Throws: `SystemError` from readlink.
    public static func readLinkBytes(_ path: String) throws -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try retryingEINTR("readlink", path: path) { readlink(path, &buffer, buffer.count - 1) }
        return buffer[..<count].map { UInt8(bitPattern: $0) }
    }
}
