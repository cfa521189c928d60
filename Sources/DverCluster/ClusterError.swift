/// DverCluster: pipeline datums run on cluster schedulers (Slurm array jobs, Kubernetes
/// Indexed Jobs) by `dver worker` processes that share the store through a remote. The
/// coordinator (`ClusterDispatcher`) plans nothing itself: JobRunner plans, the dispatcher
/// ships the datums without a result and brings their outputs back (docs/PIPELINES.md,
/// "Executors").
import DverCore

/// Errors of cluster execution.
public enum ClusterError: Error, Sendable {
    /// A scheduler command failed (sbatch, squeue, scancel, kubectl).
    case engineFailed(command: String, output: String, hint: String?)
    /// The scheduler's tool is not installed or not on PATH.
    case engineUnavailable(tool: String, hint: String)
    /// The executor needs a setting the spec does not give (`executor.worker_image`).
    case missingSetting(field: String, hint: String)
    /// A job manifest or result record on the remote is not what dver writes.
    case invalidRecord(key: String, reason: String)
    /// The user interrupted the job (Ctrl-C); its tasks were cancelled.
    case cancelled(job: String, engineJob: String)
    /// A worker was started with an index outside its job.
    case noSuchTask(job: String, round: Int, task: Int)
    /// The worker's runtime prepared another image than the one the datum keys were made with.
    case imageMismatch(expected: String, found: String)
}

extension ClusterError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .engineFailed(let command, let output, let hint):
            let trimmed = output.split(separator: "\n").prefix(8).joined(separator: "\n")
            return "\(command) failed: \(trimmed)" + (hint.map { "\n\($0)" } ?? "")
        case .engineUnavailable(let tool, let hint):
            return "\(tool) is not available: \(hint)"
        case .missingSetting(let field, let hint):
            return "\(field) is not set: \(hint)"
        case .invalidRecord(let key, let reason):
            return "remote record \(key) is not valid: \(reason)"
        case .cancelled(let job, let engineJob):
            return "job \(job) was interrupted; its cluster job \(engineJob) was cancelled and nothing was committed (rerun to reuse the datums that finished)"
        case .noSuchTask(let job, let round, let task):
            return "job \(job) has no task \(task) in round \(round)"
        case .imageMismatch(let expected, let found):
            return "this node's image is \(found), but the job's datum keys were computed for \(expected); make the same image available on every node"
        }
    }
}
