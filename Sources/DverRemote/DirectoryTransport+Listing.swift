import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Listing and deleting in a directory remote. The directory is as hostile as any remote:
/// whoever can write to it can plant symlinks, devices, names that are not UTF-8 or deep
/// trees, so the walk never follows a symlink, lists regular files only, and checks every
/// name as a key before returning it.
extension DirectoryTransport {
    /// The lock file of conditional writes (`putConditionally`): not an object, never listed.
    static let lockKey = ".lock"

    /// Walks the directories below the root that can hold keys starting with `prefix`
    /// (never through a symlink) and returns the regular files there, sorted by key. The
    /// temporary files of interrupted writes (`KEY.tmp-PID-N`) are listed like any object:
    /// their modification time tells a stale one from a write in progress.
    public func list(prefix: String) throws -> [RemoteListing] {
        counter.increment()
        if let problem = RemoteKey.prefixProblem(prefix) { throw RemoteError.invalidKey(prefix, reason: problem) }
        guard FileSystem.isDirectory(root) else { return [] }   // as `get`: an empty remote
        var found = [RemoteListing]()
        var directories = [""]
        while let directory = directories.popLast() {
            for entry in try FileSystem.listRaw(directory.isEmpty ? root : path(directory)) {
                guard let name = entry.name else {
                    let shown = String.quotedForMessage(bytes: Array((directory.isEmpty ? "" : directory + "/").utf8) + entry.bytes)
                    throw RemoteError.corruptRemote(url: root, reason: "the listing of \(prefix.isEmpty ? "the remote" : prefix.quotedForMessage) "
                                                    + "holds the file \(shown), whose name is not UTF-8; no dver writes such a name; remove or rename it")
                }
                let key = directory.isEmpty ? name : "\(directory)/\(name)"
                if key == Self.lockKey { continue }
                guard let status = try FileSystem.linkStatusIfExists(path(key)) else { continue }   // deleted meanwhile
                switch status.kind {
                case .directory where Self.mayHold(prefix, directory: key):
                    directories.append(key)
                case .regular where key.hasBytePrefix(prefix):
                    if let problem = RemoteKey.problem(key) {
                        throw RemoteError.badListedKey(key, prefix: prefix, url: root, problem: problem)
                    }
                    guard found.count < RemoteListing.maximumCount else {
                        throw RemoteError.listingTooLong(prefix: prefix, url: root, detail: "holds more than \(RemoteListing.maximumCount) files")
                    }
                    let modified = Date(timeIntervalSince1970: Double(status.modificationNanoseconds) / 1e9)
                    found.append(RemoteListing(key: key, size: UInt64(max(0, status.size)), modified: modified))
                default:
                    continue   // symlinks, devices, sockets, directories that cannot match
                }
            }
        }
        return found.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    /// Unlinks the file and fsyncs its directory; a missing file is already deleted.
    public func delete(_ key: String) throws {
        counter.increment()
        if let problem = RemoteKey.problem(key) { throw RemoteError.invalidKey(key, reason: problem) }
        let target = path(key)
        if unlink(target) != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return }
            throw SystemError("unlink", path: target, errno: code)
        }
        try FileSystem.syncDirectory(FileSystem.parentPath(target))
    }

    /// Whether keys below `directory` (a key) can start with `prefix`.
    private static func mayHold(_ prefix: String, directory: String) -> Bool {
        let slashed = directory + "/"
        return slashed.hasBytePrefix(prefix) || prefix.hasBytePrefix(slashed)
    }
}
