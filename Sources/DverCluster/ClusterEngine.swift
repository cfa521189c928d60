import DverPipeline

/// A scheduler that runs the tasks of a dispatch round: each task runs
/// `dver worker run --job JOB --round R --task N` on some node.
public protocol ClusterEngine: Sendable {
    /// The name shown in job records ("slurm").
    var name: String { get }

    /// Submits `count` tasks (indices 0..<count), at most `parallelism` at once, each running
    /// `worker` with its task index appended (`--task N`); `image` is the spec's image, for
    /// engines that run each task in it.
    /// - Returns: the engine's id of the submitted job (e.g. a Slurm array job id).
    func submit(count: Int, parallelism: Int, worker: [String], label: String, image: String) throws -> String

    /// The tasks of a submitted job that have not reached a final state (pending, running,
    /// requeued), by index; empty when all are done.
    func unfinished(_ engineJob: String) throws -> Set<Int>

    /// Cancels every task of the job.
    func cancel(_ engineJob: String) throws
}

/// How a worker process is started on a node: the dver executable and the remote to open.
/// Credentials are never part of it (they reach workers through the environment or the user's
/// AWS files), so nothing secret appears in `ps` or `squeue`.
struct WorkerCommand {
    var dver: String
    var remote: RemoteWorkerArguments
    var job: String
    var round: Int

    var arguments: [String] {
        [dver, "worker", "run"] + remote.arguments + ["--job", job, "--round", String(round)]
    }
}

/// The remote settings a worker needs, as command-line options (URL, endpoint, region,
/// addressing style, profile name: none of them secret).
public struct RemoteWorkerArguments: Sendable {
    public var url: String
    public var endpoint: String?
    public var region: String?
    public var pathStyle: Bool?
    public var profile: String?

    public init(url: String, endpoint: String?, region: String?, pathStyle: Bool?, profile: String?) {
        self.url = url
        self.endpoint = endpoint
        self.region = region
        self.pathStyle = pathStyle
        self.profile = profile
    }

    var arguments: [String] {
        var result = ["--remote-url", url]
        if let endpoint { result += ["--endpoint", endpoint] }
        if let region { result += ["--region", region] }
        if let pathStyle { result += [pathStyle ? "--path-style" : "--virtual-hosted"] }
        if let profile { result += ["--profile", profile] }
        return result
    }
}
