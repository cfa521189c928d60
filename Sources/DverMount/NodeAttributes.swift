import DverCore
#if canImport(Glibc)
import Glibc
#endif

/// The `stat` of a tree entry as a checkout would give it, read-only: files 0444 (0555 when
/// executable), directories 0555, symlinks 0777 with the target's length as size; every time
/// is the commit's; owner and group are the user who mounted. Directories report one link
/// (their subdirectory count is not known without reading them, as on btrfs).
struct NodeAttributes: Sendable {
    var owner: uid_t
    var group: gid_t
    /// The commit time.
    var time: timespec

    init(owner: uid_t, group: gid_t, commitNanoseconds: Int64) {
        self.owner = owner
        self.group = group
        let seconds = commitNanoseconds.quotientRoundingDown(by: 1_000_000_000)
        time = timespec(tv_sec: Int(seconds), tv_nsec: Int(commitNanoseconds - seconds * 1_000_000_000))
    }

    static let directorySize: Int64 = 4096

    static func mode(of kind: EntryKind) -> mode_t {
        switch kind {
        case .file: return S_IFREG | 0o444
        case .executable: return S_IFREG | 0o555
        case .directory: return S_IFDIR | 0o555
        case .symlink: return S_IFLNK | 0o777
        }
    }

    /// Fills `status` (zeroed first) for `entry`.
    func fill(_ status: inout stat, for entry: TreeEntry) {
        status = stat()
        status.st_mode = Self.mode(of: entry.kind)
        status.st_nlink = 1
        status.st_uid = owner
        status.st_gid = group
        let size = entry.kind == .directory ? Self.directorySize : Int64(clamping: entry.size)
        status.st_size = off_t(size)
        status.st_blocks = blkcnt_t((size + 511) / 512)
        status.st_blksize = 4096
        status.st_atim = time
        status.st_mtim = time
        status.st_ctim = time
    }
}

extension Int64 {
    /// Division rounding toward negative infinity (times before 1970 have negative seconds).
    func quotientRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
