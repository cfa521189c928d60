import CSystemShims
#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes with posix_spawn (never fork: dver is multithreaded), in the set-up
/// every caller wants: stdin from a file (or /dev/null), stdout and stderr appended to one log
/// file, no signal blocked, the usual ones at their default disposition, and the child in a
/// group or session of its own so it can be signalled (or outlive us) as a whole.
public enum ProcessSpawner {
    public enum Grouping: Sendable {
        /// A new process group: Ctrl-C at dver's terminal reaches dver, which stops the group.
        case processGroup
        /// A new session, detached from dver's terminal (a background server). SIGHUP gets its
        /// default disposition too: nothing sends it to the session but someone who means it.
        case session
    }

    /// Starts `arguments` (`arguments[0]` is argv[0]) from the executable at `program`.
    /// - Parameters:
    ///   - environment: `KEY=VALUE` strings; nil passes this process's environment on.
    ///   - closingInherited: closes every descriptor above 2 in the child, including ones that
    ///     libraries opened without O_CLOEXEC (a pipe's write end kept by a long-lived child
    ///     would keep a reader of our output waiting forever).
    /// - Returns: the child's pid.
    /// - Throws: `SystemError` ("posix_spawn", `program`) with the error posix_spawn returned.
    public static func spawn(program: String, arguments: [String], environment: [String]? = nil, stdinPath: String? = nil,
                             logPath: String, grouping: Grouping, closingInherited: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if closingInherited {
            for descriptor in openDescriptors() where descriptor > 2 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD] + (grouping == .session ? [SIGHUP] : []) { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        switch grouping {
        case .processGroup:
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= Int16(POSIX_SPAWN_SETPGROUP)
        case .session:
            flags |= dver_posix_spawn_setsid_flag()
        }
        posix_spawnattr_setflags(&attributes, flags)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp ?? [] { free(pointer) }
        }
        var pid: pid_t = 0
        let result = if let envp { posix_spawn(&pid, program, &actions, &attributes, argv, envp) }
            else { posix_spawn(&pid, program, &actions, &attributes, argv, environ) }
        guard result == 0 else { throw SystemError("posix_spawn", path: program, errno: result) }
        return pid
    }

    /// The descriptors this process has open (from /proc/self/fd).
    public static func openDescriptors() -> [Int32] {
        ((try? FileSystem.listRaw("/proc/self/fd")) ?? []).compactMap { Int32(String(decoding: $0.bytes, as: UTF8.self)) }
    }
}
