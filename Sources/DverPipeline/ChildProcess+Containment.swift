import CProcessContainment
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// How the containment helper finds its children when it cleans up.
    enum ChildListing: Sendable {
        /// /proc/self/task/<tid>/children, or a scan of /proc where that file is missing.
        case automatic
        /// Always the scan of /proc (tests use it to cover the fallback).
        case scanProc
    }

    /// Runs a command so that none of its processes outlives it: a helper process (forked from
    /// dver, a child subreaper in a session of its own) starts the command in a process group
    /// of its own, inherits every descendant that is orphaned — whether it stayed in the group,
    /// called setsid or double-forked — and, when the command exits or `timeout` passes, kills
    /// the group and then every remaining descendant with SIGKILL and reaps them, before this
    /// returns. Each call has its own helper, so parallel calls never touch each other's
    /// processes. stdin comes from `stdinPath` (or /dev/null); stdout and stderr are appended
    /// to `logPath`; the command inherits no other descriptor.
    /// - Throws: `PipelineError.launchFailed` when the program cannot be found or started.
    static func runContained(_ arguments: [String], environment: [String: String], stdinPath: String? = nil,
                             logPath: String, timeout: Double? = nil, listing: ChildListing = .automatic) throws -> ProcessOutcome {
        precondition(!arguments.isEmpty, "a command needs a program")
        guard let program = find(arguments[0]) else {
            throw PipelineError.launchFailed(command: arguments[0], reason: "not found in PATH")
        }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var statusFD: Int32 = -1
        let helper = dver_contained_spawn(program, argv, envp, stdinPath, logPath,
                                          listing == .scanProc ? DVER_CONTAINED_SCAN_PROC : 0, &statusFD)
        guard helper > 0 else {
            throw PipelineError.launchFailed(command: program, reason: String(cString: strerror(-helper)))
        }
        defer { close(statusFD) }
        // SIGTERM makes the helper kill the command; it then cleans up and exits by itself.
        let ended = try waitForExit(helper, command: program, start: start, timeout: timeout) { kill(helper, SIGTERM) }
        let records = readRecords(statusFD)
        if let failure = records.first(where: { $0.kind != DVER_CONTAINED_EXITED }) {
            let stage = failure.kind == DVER_CONTAINED_EXEC_FAILED ? "" : "setting up stdin or the log: "
            throw PipelineError.launchFailed(command: program, reason: stage + String(cString: strerror(failure.value)))
        }
        guard let exited = records.last(where: { $0.kind == DVER_CONTAINED_EXITED }) else {
            // The helper itself was killed from outside before it could report.
            return outcome(status: ended.status, timedOut: ended.timedOut, start: start)
        }
        return outcome(status: exited.value, timedOut: ended.timedOut, start: start)
    }

    /// The records the helper wrote before it exited (all of them are in the pipe by then).
    private static func readRecords(_ fd: Int32) -> [(kind: Int32, value: Int32)] {
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        var records = [(kind: Int32, value: Int32)]()
        var record = dver_contained_record()
        while read(fd, &record, MemoryLayout<dver_contained_record>.size) == MemoryLayout<dver_contained_record>.size {
            records.append((record.kind, record.value))
        }
        return records
    }
}
