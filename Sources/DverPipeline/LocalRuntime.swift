import Foundation

/// Runs the command as a plain host process in the datum's temporary directory: no isolation,
/// no image, for developing a transform. Paths under /pfs cannot be remapped, so the command
/// must use $DVER_PFS (the datum's pfs directory) and $DVER_OUTPUT instead of /pfs/...; a
/// working_dir under /pfs is translated into that directory. Every process the command starts
/// is killed when it exits or times out (`ChildProcess.runContained`).
public struct LocalRuntime: DatumRuntime {
    public let name = "local"

    public init() {}

    public func pfsRoot(hostDirectory: String) -> String { hostDirectory }

    public func prepare(_ transform: Transform) throws -> PreparedImage {
        PreparedImage(identity: "local:\(transform.image)", reference: transform.image)
    }

    public func run(_ execution: DatumExecution) throws -> ProcessOutcome {
        if let mount = execution.mounts.first {
            throw PipelineError.runtimeFailed(runtime: name, message: "the \(name) runtime cannot show a secret at \(mount.path) (mount_path)",
                                              hint: "use env_var for the secret, or a runtime that mounts (bwrap, podman, docker)")
        }
        var environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR", "USER"].contains($0.key) }
        for (key, value) in execution.environment { environment[key] = value }
        var directory = execution.pfsDirectory
        if let workingDirectory = execution.transform.workingDirectory {
            directory = workingDirectory == "/pfs" || workingDirectory.hasPrefix("/pfs/")
                ? execution.pfsDirectory + workingDirectory.dropFirst(4) : workingDirectory
        }
        let command = ["env", "-C", directory, "--"] + ResourceLimits.prefix(execution.resources) + execution.transform.cmd
        return try ChildProcess.runContained(command, environment: environment, stdinPath: execution.stdinPath,
                                             logPath: execution.logPath, timeout: execution.timeout)
    }

    public func limitations(_ spec: PipelineSpec) -> [String] {
        var notes = ["local runtime: no isolation, no image; inputs are at $DVER_PFS/<input>, output at $DVER_OUTPUT"]
        if spec.transform.network == false { notes.append("local runtime: the network cannot be switched off") }
        if let user = spec.transform.user { notes.append("local runtime: the command runs as you, not as user \(user)") }
        notes += ResourceLimits.limitations(spec.resources, runtime: name)
        return notes
    }
}

/// Memory limits for runtimes without cgroups (local, bwrap): RLIMIT_AS through util-linux
/// `prlimit`. CPU limits are not available there.
enum ResourceLimits {
    static func prefix(_ resources: Resources) -> [String] {
        guard let memory = resources.memoryBytes, ChildProcess.find("prlimit") != nil else { return [] }
        return ["prlimit", "--as=\(memory)", "--"]
    }

    static func limitations(_ resources: Resources, runtime: String) -> [String] {
        var notes = [String]()
        if resources.cpus != nil { notes.append("\(runtime) runtime: resources.cpus is not enforced") }
        if resources.memoryBytes != nil {
            notes.append(ChildProcess.find("prlimit") == nil
                ? "\(runtime) runtime: resources.memory is not enforced (prlimit not installed)"
                : "\(runtime) runtime: resources.memory is enforced as an address-space limit (RLIMIT_AS)")
        }
        return notes
    }
}
