import CFuse
import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A directory a file system is mounted on, or is to be: its canonical path, what is there
/// now, and how to unmount it — including a stale mount, whose process died (a crash,
/// SIGKILL) and whose every access fails with ENOTCONN ("Transport endpoint is not connected").
public struct MountPoint: Sendable {
    /// Absolute, with symlinks resolved (as the mount table shows it).
    public let path: String

    /// What is at the mount point now.
    public enum State: Sendable, Equatable {
        case missing
        case notADirectory
        case emptyDirectory
        case nonEmptyDirectory
        /// A live mount.
        case mounted(MountTableEntry)
        /// A mount whose process is gone.
        case stale(MountTableEntry?)
    }

    /// Resolves `path` (relative to `workingDirectory`) to the canonical path; a stale mount
    /// cannot be resolved itself, so its parent is.
    public init(_ path: String, workingDirectory: String) {
        let absolute = Self.normalized(path.hasPrefix("/") ? path : "\(workingDirectory)/\(path)")
        if let resolved = try? FileSystem.realPath(absolute) {
            self.path = resolved
            return
        }
        let parent = FileSystem.parentPath(absolute)
        let name = absolute.split(separator: "/").last.map(String.init) ?? ""
        let resolvedParent = (try? FileSystem.realPath(parent.isEmpty ? "/" : parent)) ?? parent
        self.path = resolvedParent == "/" ? "/\(name)" : "\(resolvedParent)/\(name)"
    }

    /// `path` without empty and `.` components, and with `..` taken lexically (used when the
    /// path cannot be resolved on disk: it does not exist, or is a stale mount).
    static func normalized(_ path: String) -> String {
        var components = [Substring]()
        for component in path.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        return "/" + components.joined(separator: "/")
    }

    public var state: State {
        if let entry = MountTable.entry(at: path) {
            // Not stat: the kernel answers it from cached attributes after the process died.
            // statfs always asks the file system, and a dead one fails with ENOTCONN.
            var status = statvfs()
            if statvfs(path, &status) != 0, errno == ENOTCONN || errno == ECONNABORTED { return .stale(entry) }
            return .mounted(entry)
        }
        var status = stat()
        if stat(path, &status) != 0 {
            let code = errno
            if code == ENOTCONN || code == ECONNABORTED { return .stale(nil) }
            return .missing
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { return .notADirectory }
        guard let names = try? FileSystem.listRaw(path) else { return .nonEmptyDirectory }
        return names.isEmpty ? .emptyDirectory : .nonEmptyDirectory
    }

    /// Checks that a file system can be mounted here, cleaning a stale dver mount first.
    /// - Returns: whether a stale mount was cleaned.
    /// - Throws: `MountError.mountPointMissing`, `.notADirectory`, `.mountPointNotEmpty`,
    ///   `.alreadyMounted`, `.unmountFailed`.
    public func prepareForMount() throws -> Bool {
        var cleaned = false
        // Stale mounts may be stacked (a crashed mount over another); each pass detaches one.
        for _ in 0..<8 {
            switch state {
            case .missing: throw MountError.mountPointMissing(path)
            case .notADirectory: throw MountError.notADirectory(path)
            case .nonEmptyDirectory: throw MountError.mountPointNotEmpty(path)
            case .mounted(let entry): throw MountError.alreadyMounted(path, fileSystem: entry.fileSystemType)
            case .emptyDirectory: return cleaned
            case .stale(let entry):
                if let entry, !entry.isDver { throw MountError.alreadyMounted(path, fileSystem: entry.fileSystemType + ", not responding") }
                try detach(lazy: true)
                cleaned = true
            }
        }
        throw MountError.unmountFailed(path, reason: "it stays stale after being detached 8 times")
    }

    /// Refuses a mount point inside a repo's workspace directory (`add` and `status` would walk
    /// into the mount) or inside the store.
    /// - Parameters:
    ///   - root: the project root; `mounts`: the repos' project-relative workspace directories.
    /// - Throws: `MountError.insideProject`.
    public func checkOutside(projectRoot root: String, repoMounts mounts: [(repo: String, path: String)]) throws {
        let canonicalRoot = (try? FileSystem.realPath(root)) ?? root
        func contains(_ directory: String) -> Bool { path == directory || path.hasPrefix(directory + "/") }
        if contains("\(canonicalRoot)/.dver") { throw MountError.insideProject(path, what: "the store (.dver)") }
        for (repo, mount) in mounts where contains(Self.normalized("\(canonicalRoot)/\(mount)")) {
            throw MountError.insideProject(path, what: "the workspace of repo '\(repo)' (\(mount))")
        }
    }

    /// What `unmount` did.
    public enum Unmounted: Sendable, Equatable {
        case unmounted
        /// The mount was stale; it was detached.
        case cleanedStale
    }

    /// Unmounts the dver mount here (lazily: detached now, ended when its last open file
    /// closes), or cleans a stale one.
    /// - Throws: `MountError.notMounted`, `.notADverMount`, `.busy`, `.unmountFailed`.
    public func unmount(lazy: Bool = false) throws -> Unmounted {
        switch state {
        case .stale(let entry):
            if let entry, !entry.isDver { throw MountError.notADverMount(path, fileSystem: entry.fileSystemType) }
            try detach(lazy: true)
            return .cleanedStale
        case .mounted(let entry):
            guard entry.isDver else { throw MountError.notADverMount(path, fileSystem: entry.fileSystemType) }
            try detach(lazy: lazy)
            return .unmounted
        default:
            throw MountError.notMounted(path)
        }
    }

    /// umount2 as root; fusermount3 otherwise (a user may unmount only the FUSE mounts they made).
    func detach(lazy: Bool) throws {
        if geteuid() == 0 {
            // A file closed a moment ago can still be held (the kernel releases FUSE files
            // asynchronously; a process that was starting may have inherited a descriptor):
            // busy is an answer only after it has lasted a couple of seconds.
            for attempt in 0..<20 {
                if umount2(path, lazy ? Int32(MNT_DETACH) : 0) == 0 { return }
                let code = errno
                guard code == EBUSY else { throw MountError.unmountFailed(path, reason: String(cString: strerror(code))) }
                if attempt == 19 { break }
                usleep(100_000)
            }
            throw MountError.busy(path)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/fusermount3")
        process.arguments = ["-u"] + (lazy ? ["-z"] : []) + ["--", path]
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch {
            throw MountError.fuseUnavailable(reason: "cannot run fusermount3 (\(error)): install the fuse3 package (apt-get install fuse3)")
        }
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if output.contains("busy") { throw MountError.busy(path) }
            throw MountError.unmountFailed(path, reason: output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
