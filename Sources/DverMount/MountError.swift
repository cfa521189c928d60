/// DverMount: `dver mount`, a read-only FUSE file system showing one commit of one repo, filled
/// lazily from the local store or, through a bounded on-disk cache, from a remote. Owns the
/// FUSE callbacks (libfuse 3 through `CFuse`), the path → entry view with its caches, the
/// remote-backed object source and its cache (`.dver/cache/`), the mount table and stale-mount
/// cleaning, and the background launch. See docs/ACCESS.md.
import DverCore

/// Why a mount or unmount cannot be done. Each case names the path and what to do.
public enum MountError: Error, Sendable, Equatable {
    case mountPointMissing(String)
    case notADirectory(String)
    case mountPointNotEmpty(String)
    /// A live mount (dver's or another file system's) is already at the path.
    case alreadyMounted(String, fileSystem: String)
    case notMounted(String)
    /// `dver umount` on a mount that is not dver's.
    case notADverMount(String, fileSystem: String)
    /// Files are open on the mount.
    case busy(String)
    /// /dev/fuse or libfuse cannot be used here.
    case fuseUnavailable(reason: String)
    /// libfuse refused the options or the mount; the detail is libfuse's.
    case mountFailed(String, reason: String)
    case unmountFailed(String, reason: String)
    /// The background process ended before the file system appeared.
    case backgroundMountFailed(String, status: String, log: String)
    case backgroundMountTimedOut(String, seconds: Int, logPath: String)
    case invalidCacheSize(String)
    /// The mount point is inside a repo's workspace or the store, whose commands would walk it.
    case insideProject(String, what: String)
    /// A branch the remote does not have, or a revision it cannot resolve.
    case unknownRemoteRevision(repo: String, revision: String, remote: String, reason: String)
}

extension MountError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .mountPointMissing(let path):
            return "mount point '\(path)' does not exist; create it first (mkdir -p '\(path)')"
        case .notADirectory(let path):
            return "mount point '\(path)' is not a directory"
        case .mountPointNotEmpty(let path):
            return "mount point '\(path)' is not empty; mount on an empty directory (its files would be hidden)"
        case .alreadyMounted(let path, let fileSystem):
            let fix = fileSystem == "fuse.dver" ? "'dver umount \(path)' first" : "unmount it first"
            return "'\(path)' is already a mount point (\(fileSystem)); \(fix)"
        case .notMounted(let path):
            return "nothing is mounted at '\(path)'"
        case .notADverMount(let path, let fileSystem):
            return "'\(path)' is a \(fileSystem) mount, not a dver mount; use umount(8) for it"
        case .busy(let path):
            return "'\(path)' is busy: files on it are open (see 'fuser -vm \(path)'); close them, or 'dver umount --lazy \(path)' to detach it now and end it when they close"
        case .fuseUnavailable(let reason):
            return "FUSE is not available: \(reason)"
        case .mountFailed(let path, let reason):
            return "cannot mount at '\(path)': \(reason)"
        case .unmountFailed(let path, let reason):
            return "cannot unmount '\(path)': \(reason)"
        case .backgroundMountFailed(let path, let status, let log):
            let detail = log.isEmpty ? "" : ":\n\(log)"
            return "the mount process for '\(path)' \(status) before the file system appeared\(detail)"
        case .backgroundMountTimedOut(let path, let seconds, let logPath):
            return "the file system did not appear at '\(path)' within \(seconds) s; the mount process is still starting (see \(logPath)); 'dver umount \(path)' stops it once mounted"
        case .insideProject(let path, let what):
            return "cannot mount at '\(path)': it is inside \(what), where dver's own commands would read the mount as files; mount elsewhere (e.g. outside the project, or beside the repos)"
        case .invalidCacheSize(let text):
            return "invalid cache size '\(text)': give bytes with an optional unit, e.g. 512M, 20G or 1T (powers of 1024), at least 1M"
        case .unknownRemoteRevision(let repo, let revision, let remote, let reason):
            return "no revision '\(revision)' of repo '\(repo)' on remote '\(remote)': \(reason)"
        }
    }
}
