import Foundation

/// Runs datums as containers through the podman or docker command line.
///
/// podman runs with `--runtime runc` when runc is installed and with lowered ulimits, because
/// its defaults (crun, host rlimits) fail on some hosts (shared/ENVIRONMENT.md);
/// `DVER_PODMAN_ARGS` replaces those flags. docker talks to whatever daemon the CLI reaches
/// (DOCKER_HOST), including `podman system service`.
public struct OCIRuntime: DatumRuntime {
    public enum Tool: String, Sendable { case podman, docker }

    public let tool: Tool
    /// The environment the tool runs with (DOCKER_HOST, CONTAINERS_CONF, ...).
    public let environment: [String: String]
    public var name: String { tool.rawValue }

    public init(tool: Tool, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.tool = tool
        self.environment = environment
    }

    public func pfsRoot(hostDirectory: String) -> String { "/pfs" }

    /// Flags before `run` / after it that make podman work on hosts like this one.
    var runFlags: [String] {
        guard tool == .podman else { return [] }
        if let custom = environment["DVER_PODMAN_ARGS"] {
            return custom.split(separator: " ").map(String.init)
        }
        var flags = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"]
        if ChildProcess.find("runc") != nil { flags = ["--runtime", "runc"] + flags }
        return flags
    }

    public func prepare(_ transform: Transform) throws -> PreparedImage {
        guard ChildProcess.find(name) != nil else {
            throw PipelineError.runtimeUnavailable(runtime: name, reason: "\(name) is not installed",
                                                   hint: tool == .podman ? "install it: bash scripts/setup.sh podman runc" : "install the docker CLI and point it at a daemon")
        }
        let image = transform.image
        guard !image.isEmpty, !image.hasPrefix("/"), !image.hasPrefix(".") else {
            throw PipelineError.runtimeFailed(runtime: name, message: "image '\(image)' is not an image name",
                                              hint: "\(name) needs an image name; a rootfs directory works with runtime: bwrap (or 'podman import' it)")
        }
        let result = try ChildProcess.capture([name, "image", "inspect", "--format", "{{.Id}}", image], environment: environment, timeout: 60)
        if result.code == 0, let id = result.output.split(separator: "\n").last.map(String.init), !id.isEmpty {
            return PreparedImage(identity: id.hasPrefix("sha256:") ? id : "sha256:\(id)", reference: image)
        }
        if let unavailable = daemonProblem(result.output) { throw unavailable }
        throw PipelineError.runtimeFailed(runtime: name, message: "image '\(image)' is not in \(name)'s local storage (\(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))",
                                          hint: "'\(name) pull \(image)', or without a registry: tar a rootfs and '\(name) import --change \"ENV PATH=/bin\" rootfs.tar \(image)'")
    }

    private func daemonProblem(_ output: String) -> PipelineError? {
        if output.contains("Cannot connect to the Docker daemon") || output.contains("error during connect")
            || output.contains("Is the docker daemon running") {
            let host = environment["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"
            return .runtimeUnavailable(runtime: name, reason: "no Docker daemon answers at \(host)",
                                       hint: "start dockerd, or point DOCKER_HOST at a daemon, e.g. 'podman system service --time=0 unix:///tmp/podman.sock &' and DOCKER_HOST=unix:///tmp/podman.sock")
        }
        return nil
    }

    func containerName(_ execution: DatumExecution) -> String {
        "dver-\(execution.jobID)-\(execution.datumID.prefix(12))-\(execution.attempt)" + (execution.errorHandler ? "-err" : "")
    }

    public func run(_ execution: DatumExecution) throws -> ProcessOutcome {
        let container = containerName(execution)
        var arguments = [name, "run", "--rm", "--name", container] + runFlags
        if !execution.transform.network { arguments += ["--network", "none"] }
        for input in execution.inputNames {
            arguments += ["-v", "\(execution.pfsDirectory)/\(input):/pfs/\(input):ro"]
        }
        arguments += ["-v", "\(execution.pfsDirectory)/out:/pfs/out"]
        for mount in execution.mounts { arguments += ["-v", "\(mount.hostDirectory):\(mount.path):ro"] }
        if let user = execution.transform.user { arguments += ["--user", user] }
        for (key, value) in execution.environment.sorted(by: { $0.key < $1.key }) { arguments += ["-e", "\(key)=\(value)"] }
        if let directory = execution.transform.workingDirectory { arguments += ["-w", directory] }
        if let memory = execution.resources.memoryBytes { arguments += ["--memory", "\(memory)"] }
        if let cpus = execution.resources.cpus { arguments += ["--cpus", "\(cpus)"] }
        if execution.stdinPath != nil { arguments += ["-i"] }
        arguments += [execution.image.reference] + execution.transform.cmd
        let tool = name
        let environment = self.environment
        return try ChildProcess.run(arguments, environment: environment, stdinPath: execution.stdinPath,
                                    logPath: execution.logPath, timeout: execution.timeout) {
            // Killing the client does not stop the container: remove it through the tool.
            _ = try? ChildProcess.capture([tool, "rm", "-f", "-t", "0", container], environment: environment, timeout: 30)
        }
    }

    public func diagnose(_ outcome: ProcessOutcome, log: String) -> String? {
        // 125: the tool failed; 126/127: the command could not be run in the container.
        guard let code = outcome.exitCode, (125...127).contains(code) else { return nil }
        let lines = log.split(separator: "\n")
        let problem = lines.last(where: { $0.hasPrefix("Error") || $0.contains("error") }).map(String.init)
            ?? lines.last.map(String.init) ?? "exit \(code)"
        if problem.contains("rlimit") {
            return "\(name) could not set resource limits (\(problem)); on hosts like this use runc and lower ulimits: install runc (bash scripts/setup.sh runc) or set DVER_PODMAN_ARGS / CONTAINERS_CONF as docs/PIPELINES.md shows"
        }
        if problem.contains("cgroup") {
            return "\(name) could not set up cgroups (\(problem)); set cgroup_manager = \"cgroupfs\" in CONTAINERS_CONF, or remove resources limits (docs/PIPELINES.md)"
        }
        if let unavailable = daemonProblem(log) { return unavailable.description }
        if code == 127 { return "the command was not found in the image: \(problem)" }
        if code == 125 { return "\(name) failed: \(problem)" }
        return nil
    }
}
