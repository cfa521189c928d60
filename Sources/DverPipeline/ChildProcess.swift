import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
public struct ProcessOutcome: Sendable {
    /// The exit status; nil when a signal ended it.
    public var exitCode: Int32?
    public var signal: Int32?
    public var timedOut: Bool
    public var seconds: Double

    public var succeeded: Bool { exitCode == 0 && !timedOut }
}

/// Runs a command in its own process group with stdin from a file and stdout+stderr appended
/// to a log file; kills the whole group when it outlives its timeout. `runContained`
/// (ChildProcess+Containment.swift) also kills every descendant, for the local runtime.
public enum ChildProcess {
    /// - Throws: `PipelineError.launchFailed` when the program cannot be started.
    static func run(_ arguments: [String], environment: [String: String], stdinPath: String? = nil,
                    logPath: String, timeout: Double? = nil, onTimeout: (() -> Void)? = nil) throws -> ProcessOutcome {
        let start = DispatchTime.now().uptimeNanoseconds
        let pid = try spawn(arguments, environment: environment, stdinPath: stdinPath, logPath: logPath)
        let ended = try waitForExit(pid, command: arguments[0], start: start, timeout: timeout) {
            onTimeout?()
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        return outcome(status: ended.status, timedOut: ended.timedOut, start: start)
    }

    /// Waits for `pid` to end, polling, and calls `stop` once when it outlives `timeout`.
    /// Returns its raw wait status.
    static func waitForExit(_ pid: pid_t, command: String, start: UInt64, timeout: Double?,
                            stop: () -> Void) throws -> (status: Int32, timedOut: Bool) {
        var delay: UInt32 = 100
        var timedOut = false
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status, timedOut) }
            if result == -1, errno != EINTR { throw PipelineError.launchFailed(command: command, reason: "waitpid: \(String(cString: strerror(errno)))") }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if let timeout, elapsed > timeout, !timedOut {
                timedOut = true
                stop()
            }
            usleep(delay)
            delay = min(delay * 2, 5_000)
        }
    }

    /// The outcome of a raw wait status.
    static func outcome(status: Int32, timedOut: Bool, start: UInt64) -> ProcessOutcome {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // WIFEXITED / WEXITSTATUS / WTERMSIG spelled out (the macros are not imported).
        let signal = status & 0x7f
        if signal == 0 { return ProcessOutcome(exitCode: (status >> 8) & 0xff, signal: nil, timedOut: timedOut, seconds: seconds) }
        return ProcessOutcome(exitCode: nil, signal: signal, timedOut: timedOut, seconds: seconds)
    }

    /// Runs a short command and returns its output (stdout and stderr together) and exit code.
    public static func capture(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                        timeout: Double = 120) throws -> (code: Int32, output: String) {
        let log = "\(NSTemporaryDirectory())/dver-capture-\(UInt64.random(in: 0...UInt64.max))"
        defer { unlink(log) }
        let outcome = try run(arguments, environment: environment, logPath: log, timeout: timeout)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (outcome.exitCode ?? -1, output)
    }

    /// The full path of a program found in $PATH, or nil.
    public static func find(_ program: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where access("\(directory)/\(program)", X_OK) == 0 {
            return "\(directory)/\(program)"
        }
        return nil
    }

    private static func spawn(_ arguments: [String], environment: [String: String], stdinPath: String?,
                              logPath: String) throws -> pid_t {
        precondition(!arguments.isEmpty, "a command needs a program")
        guard let program = find(arguments[0]) else {
            throw PipelineError.launchFailed(command: arguments[0], reason: "not found in PATH")
        }
        do {
            return try ProcessSpawner.spawn(program: program, arguments: arguments, environment: environment.map { "\($0.key)=\($0.value)" },
                                            stdinPath: stdinPath, logPath: logPath, grouping: .processGroup)
        } catch let error as SystemError {
            throw PipelineError.launchFailed(command: program, reason: String(cString: strerror(error.errno)))
        }
    }
}
