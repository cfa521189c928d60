#if canImport(Glibc)
import Glibc
#endif
/// What a tree entry points at.
public enum EntryKind: UInt8, Sendable, Codable, CustomStringConvertible {
    case file = 1
    case executable = 2
    case directory = 3
    case symlink = 4

    public var isFile: Bool { self == .file || self == .executable }

    public var description: String {
        switch self {
        case .file: "file"
        case .executable: "exec"
        case .directory: "dir"
        case .symlink: "symlink"
        }
    }
}

/// One named entry of a directory.
///
/// For files `id` is the single chunk (`chunked == false`, id = SHA-256 of the file) or the
/// root of a chunk list. For directories it is the root tree node; for symlinks the chunk
/// holding the link target. `size` is the file size, the target length, or for directories
/// the total size of the files beneath.
public struct TreeEntry: Equatable, Sendable {
    public var name: String
    public var kind: EntryKind
    public var chunked: Bool
    public var size: UInt64
    public var id: ObjectID

    public init(name: String, kind: EntryKind, chunked: Bool = false, size: UInt64, id: ObjectID) {
        self.name = name
        self.kind = kind
        self.chunked = chunked
        self.size = size
        self.id = id
    }
}

extension String {
    /// Byte-wise UTF-8 order, the order of tree entries and index paths.
    @inlinable
    public func precedesInByteOrder(_ other: String) -> Bool {
        // Native strings are contiguous UTF-8: compare with memcmp.
        if let result = utf8.withContiguousStorageIfAvailable({ lhs in
            other.utf8.withContiguousStorageIfAvailable { rhs -> Bool in
                let common = Swift.min(lhs.count, rhs.count)
                if common > 0, let a = lhs.baseAddress, let b = rhs.baseAddress {
                    let order = memcmp(a, b, common)
                    if order != 0 { return order < 0 }
                }
                return lhs.count < rhs.count
            }
        }), let result { return result }
        return utf8.lexicographicallyPrecedes(other.utf8)
    }
}
