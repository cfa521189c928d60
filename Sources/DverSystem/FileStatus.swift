#if canImport(Glibc)
import Glibc
#endif

/// The parts of `struct stat` dver uses.
public struct FileStatus: Equatable, Sendable {
    public enum Kind: Sendable { case regular, directory, symlink, other }

    public var kind: Kind
    public var size: Int64
    public var mode: UInt32
    public var modificationNanoseconds: Int64
    public var changeNanoseconds: Int64
    public var inode: UInt64
    public var device: UInt64

    public init(_ raw: stat) {
        switch raw.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        size = Int64(raw.st_size)
        mode = raw.st_mode
        modificationNanoseconds = Int64(raw.st_mtim.tv_sec) * 1_000_000_000 + Int64(raw.st_mtim.tv_nsec)
        changeNanoseconds = Int64(raw.st_ctim.tv_sec) * 1_000_000_000 + Int64(raw.st_ctim.tv_nsec)
        inode = UInt64(raw.st_ino)
        device = UInt64(raw.st_dev)
    }

    /// Any execute bit set.
    public var isExecutable: Bool { mode & 0o111 != 0 }
}
