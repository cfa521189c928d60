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
        let program = Self.executable
        do {
            return try ProcessSpawner.spawn(program: program, arguments: [program] + arguments, logPath: logPath,
                                            grouping: .session, closingInherited: true)
        } catch let error as SystemError {
            throw MountError.mountFailed(mountPoint.path, reason: "cannot start the mount process \(program): \(String(cString: strerror(error.errno)))")
        }
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
