import CFuse
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a file system is mounted.
public struct MountOptions: Sendable {
    /// Absolute path of the mount point.
    public var mountPoint: String
    /// Let other users than the one mounting read it (FUSE's `allow_other`).
    public var allowOther = false
    /// libfuse's debug output (every request) on stderr.
    public var debug = false
    /// The source column of the mount table ("dver:raw@3fa9c1d2").
    public var sourceName = "dver"
    /// The kernel's read-ahead for the mount (`/sys/class/bdi/DEVICE/read_ahead_kb`, which
    /// only root may set): the default 128 KiB makes 128 KiB requests, so each costs a round
    /// trip through the FUSE device; 4 MiB gives 1 MiB requests, several in flight.
    public var readAheadKilobytes: Int?

    public init(mountPoint: String) { self.mountPoint = mountPoint }

    /// libfuse's command line: read-only, permissions checked by the kernel from the modes,
    /// type `fuse.dver` in the mount table.
    var arguments: [String] {
        var options = ["ro", "default_permissions", "fsname=\(Self.escaped(sourceName))", "subtype=dver"]
        if allowOther { options.append("allow_other") }
        return ["dver", "-o", options.joined(separator: ",")] + (debug ? ["-d"] : [])
    }

    /// libfuse option values escape commas and backslashes.
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ",", with: "\\,")
    }
}

/// Runs one FUSE mount in this process with libfuse's high-level API: `fuse_new`,
/// `fuse_mount`, signal handlers, the multithreaded loop (concurrent reads are served in
/// parallel), then `fuse_unmount` and `fuse_destroy`.
public enum FuseSession {
    /// Checks that this machine can mount FUSE file systems.
    /// - Throws: `MountError.fuseUnavailable` naming what is missing and what to install.
    public static func checkAvailable() throws {
        guard access("/dev/fuse", F_OK) == 0 else {
            throw MountError.fuseUnavailable(reason: "/dev/fuse does not exist; load the fuse kernel module ('modprobe fuse'), or in a container pass the device (--device /dev/fuse) and CAP_SYS_ADMIN")
        }
        guard access("/dev/fuse", R_OK | W_OK) == 0 else {
            throw MountError.fuseUnavailable(reason: "no permission to open /dev/fuse (run as root, or make it accessible to your user)")
        }
        let helpers: [String] = ["/bin/fusermount3", "/usr/bin/fusermount3", "/usr/local/bin/fusermount3"]
        if geteuid() != 0, !helpers.contains(where: { access($0, X_OK) == 0 }) {
            throw MountError.fuseUnavailable(reason: "mounting as a user needs fusermount3: install the fuse3 package (apt-get install fuse3)")
        }
    }

    /// Mounts `fileSystem` and serves it until it is unmounted (`dver umount`, umount(8)) or the
    /// process gets SIGINT, SIGTERM or SIGHUP, which unmount it. `mounted` runs (on another
    /// thread) once the mount answers. Returns once the file system is unmounted.
    /// - Throws: `MountError.fuseUnavailable`, `.mountFailed` (libfuse's own message is on stderr).
    public static func run(_ fileSystem: MountedFileSystem, options: MountOptions, mounted: @escaping @Sendable () -> Void) throws {
        try checkAvailable()
        let arguments = options.arguments
        let pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        defer { for pointer in pointers { free(pointer) } }
        var argv = pointers
        var operations = FuseOperations.table()
        let context = Unmanaged.passRetained(fileSystem)
        defer { context.release() }
        let created = argv.withUnsafeMutableBufferPointer { buffer -> OpaquePointer? in
            var fuseArguments = fuse_args(argc: Int32(buffer.count), argv: buffer.baseAddress, allocated: 0)
            defer { fuse_opt_free_args(&fuseArguments) }
            return dver_fuse_new(&fuseArguments, &operations, context.toOpaque())
        }
        guard let fuse = created else {
            throw MountError.mountFailed(options.mountPoint, reason: "libfuse refused the mount options \(arguments.dropFirst().joined(separator: " "))")
        }
        defer { fuse_destroy(fuse) }
        guard fuse_mount(fuse, options.mountPoint) == 0 else {
            throw MountError.mountFailed(options.mountPoint, reason: "the kernel refused the mount (libfuse's message is above)")
        }
        let session = fuse_get_session(fuse)
        // libfuse installs its handlers only over the default ones (dver's CLI has its own).
        for number in [SIGINT, SIGTERM, SIGHUP] { signal(number, SIG_DFL) }
        let handled = fuse_set_signal_handlers(session) == 0
        // Once the loop has answered the kernel's INIT (which resets the read-ahead): statfs
        // waits for it, then the read-ahead is set and the mount reported.
        let mountPoint = options.mountPoint
        let readAhead = options.readAheadKilobytes
        let ready = Thread {
            var status = statvfs()
            _ = statvfs(mountPoint, &status)
            if let readAhead { FuseSession.setReadAhead(readAhead, mountPoint: mountPoint) }
            mounted()
        }
        ready.start()
        _ = dver_fuse_loop_mt(fuse)
        if handled { fuse_remove_signal_handlers(session) }
        // Returns without unmounting when the kernel connection is already gone (umount ran).
        fuse_unmount(fuse)
    }

    /// Sets the read-ahead of the mount at `mountPoint`, found by its device number in the mount
    /// table. Best effort: only root may. The kernel resets it when the mount starts (FUSE
    /// INIT), so it is set once the mount answers.
    public static func setReadAhead(_ kilobytes: Int, mountPoint: String) {
        guard let device = MountTable.entry(at: mountPoint)?.device else { return }
        let fd = open("/sys/class/bdi/\(device)/read_ahead_kb", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let text = Array("\(kilobytes)\n".utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
