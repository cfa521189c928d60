import DverPipeline
import Foundation

/// Slurm through its ordinary command line, as a login node has it: one array job per
/// dispatch round (`sbatch --parsable --array=0-N%P`, the batch script on stdin), progress from
/// `squeue --json` (unfinished tasks), `scancel` to cancel. Tasks inherit the submitting environment
/// (`--export=ALL`, Slurm's default), which is how credentials reach them.
public struct SlurmEngine: ClusterEngine {
    public let name = "slurm"
    public var settings: ExecutorSettings
    /// Where each task's stdout/stderr go (`--output`); a path the nodes can write.
    public var outputDirectory: String
    public var environment: [String: String]

    public init(settings: ExecutorSettings, outputDirectory: String, environment: [String: String]) {
        self.settings = settings
        self.outputDirectory = outputDirectory
        self.environment = environment
    }

    /// States after which a task never runs again (`squeue`'s job_state).
    static let finalStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                                           "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]

    public func submit(count: Int, parallelism: Int, worker: [String], label: String, image: String) throws -> String {
        precondition(count > 0, "a round has at least one task")
        var arguments = ["sbatch", "--parsable", "--array=0-\(count - 1)%\(max(1, parallelism))", "--job-name=\(label)",
                         "--output=\(outputDirectory)/slurm-%A_%a.out"]
        if let partition = settings.partition { arguments.append("--partition=\(partition)") }
        if let account = settings.account { arguments.append("--account=\(account)") }
        if let minutes = settings.timeMinutes { arguments.append("--time=\(minutes)") }
        arguments += settings.sbatchArguments
        let output = try EngineCommand.run(arguments, environment: environment, stdin: Self.script(worker))
        let id = output.stdout.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard output.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw ClusterError.engineFailed(command: "sbatch", output: output.stderr + output.stdout,
                                            hint: "check executor settings (partition, account, time, sbatch_args) and 'sinfo'")
        }
        return id
    }

    /// The batch script: the task's id and node for the job record, then the worker.
    static func script(_ worker: [String]) -> String {
        """
        #!/bin/sh
        DVER_ENGINE_TASK="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"; export DVER_ENGINE_TASK
        DVER_NODE="${SLURMD_NODENAME:-$(hostname)}"; export DVER_NODE
        exec \(worker.map(quoted).joined(separator: " ")) --task "$SLURM_ARRAY_TASK_ID"

        """
    }

    static func quoted(_ argument: String) -> String {
        "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public func unfinished(_ engineJob: String) throws -> Set<Int> {
        // squeue's default states are the unfinished ones (pending — requeued tasks included —,
        // running, completing, ...), so a finished task drops out: the output shrinks as the
        // job progresses, and each poll costs slurmctld and squeue little.
        let output = try EngineCommand.run(["squeue", "--json", "-j", engineJob], environment: environment)
        if output.status != 0 {
            // A job that ended long ago (beyond MinJobAge) is no longer known: nothing is left.
            if output.stderr.contains("Invalid job id") { return [] }
            throw ClusterError.engineFailed(command: "squeue", output: output.stderr, hint: "is slurmctld reachable? (scontrol ping)")
        }
        return try Self.unfinished(fromSqueueJSON: Array(output.stdout.utf8), job: engineJob)
    }

    /// Parses `squeue --json`: each entry is one task (`array_task_id`) or, while pending, a
    /// range of them (`array_task_string`, e.g. `5-299%24`); `job_state` is a string (Slurm
    /// 22) or a list of strings (Slurm 23 and later).
    static func unfinished(fromSqueueJSON bytes: [UInt8], job: String) throws -> Set<Int> {
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let jobs = root["jobs"] as? [[String: Any]] else {
            throw ClusterError.engineFailed(command: "squeue --json", output: String(decoding: bytes.prefix(400), as: UTF8.self),
                                            hint: "this Slurm's squeue does not print JSON (Slurm 21.08 or later is needed)")
        }
        var result = Set<Int>()
        for entry in jobs {
            let arrayJob = number(entry["array_job_id"]).map(String.init) ?? number(entry["job_id"]).map(String.init)
            guard arrayJob == job else { continue }
            let states: [String] = (entry["job_state"] as? [String]) ?? [(entry["job_state"] as? String) ?? "UNKNOWN"]
            guard !states.contains(where: finalStates.contains) else { continue }
            if let task = number(entry["array_task_id"]) {
                result.insert(task)
            } else if let text = entry["array_task_string"] as? String, !text.isEmpty {
                result.formUnion(indices(text))
            }
        }
        return result
    }

    /// A number as squeue prints it: a plain number, or `{"set": true, "number": N}`.
    static func number(_ value: Any?) -> Int? {
        if let value = value as? Int { return value }
        if let object = value as? [String: Any], object["set"] as? Bool == true { return object["number"] as? Int }
        return nil
    }

    /// "0-3,7,9-10%4" → {0,1,2,3,7,9,10}.
    static func indices(_ text: String) -> Set<Int> {
        var result = Set<Int>()
        let ranges = text.split(separator: "%").first ?? ""
        for part in ranges.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 1 { result.insert(bounds[0]) }
            if bounds.count == 2, bounds[0] <= bounds[1], bounds[1] - bounds[0] < 1_000_000 { result.formUnion(bounds[0]...bounds[1]) }
        }
        return result
    }

    public func cancel(_ engineJob: String) throws {
        let output = try EngineCommand.run(["scancel", engineJob], environment: environment)
        guard output.status == 0 else { throw ClusterError.engineFailed(command: "scancel \(engineJob)", output: output.stderr, hint: nil) }
    }
}
