import CSystemShims
import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts the process that serves a mount (dver itself, `mount --foreground`) and waits until
/// the file system appears, so `dver mount` returns with the mount in place. The process is
/// started with posix_spawn (never fork: dver is multithreaded) in a session of its own, with
/// stdin from /dev/null and stdout and stderr appended to the mount's log, and no other
/// descriptor of this process.
public struct BackgroundMount: Sendable {
    public var arguments: [String]
    public var mountPoint: MountPoint
    public var logPath: String
    /// How long to wait for the mount (opening a remote's pack indexes may take a while).
    public var timeout: Double = 120
    /// The kernel read-ahead to set once the mount answers (see `MountOptions`).
    public var readAheadKilobytes: Int?

    public init(arguments: [String], mountPoint: MountPoint, logPath: String) {
        self.arguments = arguments
        self.mountPoint = mountPoint
        self.logPath = logPath
    }

    /// This executable (`/proc/self/exe` resolved).
    public static var executable: String {
        (try? FileSystem.readLink("/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts the process; returns its pid once the mount is visible in the mount table.
    /// - Throws: `MountError.backgroundMountFailed` with what the process logged when it ends
    ///   first, `.backgroundMountTimedOut`, `MountError.mountFailed` when it cannot start.
    public func start() throws -> pid_t {
        let logStart = (try? FileSystem.status(logPath).size) ?? 0
        let pid = try spawn()
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var status: Int32 = 0
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid {
                throw MountError.backgroundMountFailed(mountPoint.path, status: Self.describe(status), log: logText(from: logStart))
            }
            if case .mounted(let entry) = mountPoint.state, entry.isDver {
                // The state check made a statfs, answered after INIT: the read-ahead sticks now.
                if let readAheadKilobytes { FuseSession.setReadAhead(readAheadKilobytes, mountPoint: mountPoint.path) }
                return pid
            }
            if Date() > deadline {
                throw MountError.backgroundMountTimedOut(mountPoint.path, seconds: Int(timeout), logPath: logPath)
            }
            usleep(10_000)
        }
    }

    private func spawn() throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Descriptors opened without O_CLOEXEC (by libraries) must not reach the mount process:
        // one holding a pipe's write end would keep a reader of dver's output waiting forever.
        for descriptor in Self.openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, dver_posix_spawn_setsid_flag() | Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let program = Self.executable
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, program, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw MountError.mountFailed(mountPoint.path, reason: "cannot start the mount process \(program): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// The descriptors this process has open (from /proc/self/fd).
    static func openDescriptors() -> [Int32] {
        ((try? FileSystem.listRaw("/proc/self/fd")) ?? []).compactMap { Int32(String(decoding: $0.bytes, as: UTF8.self)) }
    }

    /// What the log gained since `offset`, at most its last 8 KiB.
    private func logText(from offset: Int64) -> String {
        guard let bytes = try? FileSystem.readFile(logPath), Int64(bytes.count) > offset else { return "" }
        let added = bytes[Int(offset)...].suffix(8192)
        return String(decoding: added, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "was killed by signal \(signal)"
    }
}
