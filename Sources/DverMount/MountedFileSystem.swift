import DverAccess
import DverCore
import DverStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the FUSE callbacks answer from: one snapshot seen as a read-only file system. Every
/// method returns 0 (or a byte count) or a negated errno, as libfuse expects. A failure that
/// is not a plain "no such file" (a missing or damaged object, a failed download) is EIO and
/// one line in the log naming the path, the object and the reason: never wrong bytes.
public final class MountedFileSystem: Sendable {
    let view: SnapshotView
    let attributes: NodeAttributes
    let log: MountLog
    let statistics = MountStatistics()
    /// The remote-backed source, when the mount reads from a remote (read-ahead, statistics).
    let remote: RemoteBackedSource?
    /// Where objects come from for reads and read-ahead (memoizing in front of the store or remote).
    let source: MemoizingSource
    /// "raw@main (commit 3fa9c1d2…)": what is mounted, for the log and `user.dver.revision`.
    public let title: String

    /// - Parameters:
    ///   - base: the local store, or a `RemoteBackedSource`.
    ///   - revision: the revision as the user gave it, for messages.
    /// - Throws: store errors when the commit cannot be read or is not of `repo`.
    public init(base: any ObjectReading, repo: String, commit: ObjectID, revision: String, log: MountLog,
                owner: uid_t = getuid(), group: gid_t = getgid()) throws {
        let source = MemoizingSource(base)
        let snapshot = try Snapshot(source: source, repo: repo, commitID: commit)
        self.source = source
        view = SnapshotView(snapshot: snapshot)
        attributes = NodeAttributes(owner: owner, group: group, commitNanoseconds: snapshot.commit.time)
        remote = base as? RemoteBackedSource
        self.log = log
        title = "\(repo)@\(revision) (commit \(commit.hex))"
    }

    /// Counters so far, as the unmount log line and `user.dver.stats` give them.
    var report: MountStatistics.Report { statistics.snapshot(remote: remote) }

    /// Logs a failure and returns -EIO (or -ENOENT for a path that does not exist).
    func failure(_ error: any Error, _ what: @autoclosure () -> String) -> Int32 {
        if case AccessError.noSuchPath = error { return -ENOENT }
        statistics.recordFailure()
        log.line("EIO: \(what()): \(error)")
        return -EIO
    }

    // MARK: Metadata

    func getattr(_ path: String, _ status: UnsafeMutablePointer<stat>) -> Int32 {
        do {
            guard let entry = try view.entry(at: path) else { return -ENOENT }
            attributes.fill(&status.pointee, for: entry)
            return 0
        } catch {
            return failure(error, "cannot look up \(path)")
        }
    }

    /// The attributes of an open file or directory (fstat).
    func getattr(_ node: OpenNode, _ status: UnsafeMutablePointer<stat>) -> Int32 {
        attributes.fill(&status.pointee, for: node.entry)
        return 0
    }

    func opendir(_ path: String) -> Result<OpenDirectory, Errno> {
        do {
            guard let entry = try view.entry(at: path) else { return .failure(Errno(ENOENT)) }
            guard entry.kind == .directory else { return .failure(Errno(ENOTDIR)) }
            return .success(OpenDirectory(path: path, entry: entry))
        } catch {
            return .failure(Errno(-failure(error, "cannot open directory \(path)")))
        }
    }

    /// Passes "." and "..", then every entry with its attributes, to `add` (which returns
    /// non-zero when the buffer is full).
    func readdir(_ directory: OpenDirectory, plus: Bool, _ add: (String, UnsafePointer<stat>?, Bool) -> Int32) -> Int32 {
        let entry = directory.entry
        let path = directory.path
        do {
            let listing = try view.listing(of: entry.id)
            var own = stat()
            attributes.fill(&own, for: entry)
            guard add(".", &own, false) == 0, add("..", nil, false) == 0 else { return 0 }
            var status = stat()
            for child in listing.entries {
                attributes.fill(&status, for: child)
                if add(child.name, &status, plus) != 0 { break }
            }
            return 0
        } catch {
            return failure(error, "cannot list \(path)")
        }
    }

    func readlink(_ path: String, _ buffer: UnsafeMutablePointer<CChar>, _ size: Int) -> Int32 {
        guard size > 0 else { return -EINVAL }
        do {
            guard let entry = try view.entry(at: path) else { return -ENOENT }
            guard entry.kind == .symlink else { return -EINVAL }
            var target = [UInt8]()
            try view.snapshot.content(of: entry).readAll { piece in
                target.append(contentsOf: piece)
                return true
            }
            let count = min(target.count, size - 1)
            target.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { memcpy(buffer, base, count) }
            }
            buffer[count] = 0
            return 0
        } catch {
            return failure(error, "cannot read the symlink \(path)")
        }
    }

    func statfs(_ status: UnsafeMutablePointer<statvfs>) -> Int32 {
        let blockSize: UInt64 = 4096
        let total = (try? view.listing(of: view.root.id).entries.reduce(UInt64(0)) { $0 &+ $1.size }) ?? 0
        status.pointee = statvfs()
        status.pointee.f_bsize = UInt(blockSize)
        status.pointee.f_frsize = UInt(blockSize)
        status.pointee.f_blocks = fsblkcnt_t((total + blockSize - 1) / blockSize)
        status.pointee.f_namemax = 255
        return 0
    }

    // MARK: Extended attributes of the root

    /// `user.dver.revision` (what is mounted) and `user.dver.stats` (JSON counters) on the root.
    static let attributeNames = ["user.dver.revision", "user.dver.stats"]

    func extendedAttribute(_ path: String, _ name: String) -> [UInt8]? {
        guard path == "/" else { return nil }
        switch name {
        case "user.dver.revision": return Array(title.utf8)
        case "user.dver.stats": return report.json
        default: return nil
        }
    }

    /// getxattr's protocol: size 0 asks for the length; a short buffer is ERANGE.
    func getxattr(_ path: String, _ name: String, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
        guard let value = extendedAttribute(path, name) else { return -ENODATA }
        return Self.copyAttribute(value, into: buffer, size: size)
    }

    func listxattr(_ path: String, _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int32 {
        guard path == "/" else { return 0 }
        let list = Self.attributeNames.flatMap { name -> [UInt8] in Array(name.utf8) + [0] }
        return Self.copyAttribute(list, into: buffer, size: size)
    }

    static func copyAttribute(_ value: [UInt8], into buffer: UnsafeMutablePointer<CChar>?, size: Int) -> Int32 {
        guard size > 0 else { return Int32(value.count) }
        guard value.count <= size, let buffer else { return -ERANGE }
        value.withUnsafeBytes { bytes in
            if let base = bytes.baseAddress { memcpy(buffer, base, value.count) }
        }
        return Int32(value.count)
    }
}

extension MountedFileSystem {
    /// "12 reads, 1048576 bytes served, 0 failed; …": the counters for the unmount log line.
    public var statisticsSummary: String { report.summary }
}
