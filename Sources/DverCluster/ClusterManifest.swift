import DverCore
import DverPipeline
import DverRemote
import Foundation

/// Where a cluster job's records live on the remote (docs/PIPELINES.md, "Executors"):
///
///     jobs/JOB/manifest.json          what to run: spec, image, datums, the packs holding inputs
///     jobs/JOB/round-R.json           dispatch round R: datum indices per task
///     jobs/JOB/logs/KEY.log           a datum's log (the last dispatch's)
///     jobs/JOB/failures/KEY.json      a datum that failed all its attempts (create-only)
///     datums/KEY.json                 a datum's successful result, shared by every job (create-only)
///
/// Results are keyed by the datum key, which names the transform and the inputs' content, so
/// the first record written wins and every later one would be identical; a rerun, a requeued
/// task or a colleague's job finds and reuses it.
public enum ClusterKeys {
    public static func manifest(_ job: String) -> String { "jobs/\(job)/manifest.json" }
    public static func round(_ job: String, _ round: Int) -> String { "jobs/\(job)/round-\(round).json" }
    public static func log(_ job: String, _ key: String) -> String { "jobs/\(job)/logs/\(key).log" }
    public static func failure(_ job: String, _ key: String) -> String { "jobs/\(job)/failures/\(key).json" }
    public static func result(_ key: String) -> String { "datums/\(key).json" }

    /// Job ids become key components: the JobStore's format (hex and dashes), checked.
    static func validJob(_ job: String) -> Bool {
        !job.isEmpty && job.utf8.count <= 64 && job.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
    }
}

/// `jobs/JOB/manifest.json`: everything a worker needs besides the objects.
public struct ClusterManifest: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        /// The datum key (64 hex digits).
        public var key: String
        public var inputs: [DatumInput]
    }

    public var version = 1
    public var job: String
    public var pipeline: StoredPipeline
    /// The runtime and image the coordinator prepared; workers must prepare the same image.
    public var runtime: String
    public var imageIdentity: String
    public var imageReference: String
    public var datums: [Entry]
    /// The remote's packs when the job was dispatched: they hold every input object.
    public var packs: [RemotePackRecord]
    /// Each input's commit id by input name (the datums' `<name>_COMMIT`).
    public var inputCommits: [String: String]?

    enum CodingKeys: String, CodingKey {
        case version, job, pipeline, runtime, datums, packs
        case inputCommits = "input_commits"
        case imageIdentity = "image_identity"
        case imageReference = "image_reference"
    }

    /// Decodes and checks a manifest read from a remote: job id, datum keys, input names and
    /// paths, and pack names are all checked before any is used.
    /// - Throws: `ClusterError.invalidRecord`.
    static func decode(_ bytes: [UInt8], key: String) throws -> ClusterManifest {
        let manifest: ClusterManifest
        do { manifest = try JSONDecoder().decode(ClusterManifest.self, from: Data(bytes)) } catch {
            throw ClusterError.invalidRecord(key: key, reason: "\(error)")
        }
        guard manifest.version == 1 else { throw ClusterError.invalidRecord(key: key, reason: "version \(manifest.version) (upgrade dver on the nodes)") }
        guard ClusterKeys.validJob(manifest.job) else { throw ClusterError.invalidRecord(key: key, reason: "bad job id") }
        if let problem = NameRules.repoNameProblem(manifest.pipeline.spec.name) {
            throw ClusterError.invalidRecord(key: key, reason: "pipeline name: \(problem)")
        }
        for entry in manifest.datums {
            guard ObjectID(hex: entry.key) != nil else { throw ClusterError.invalidRecord(key: key, reason: "datum key '\(entry.key)'") }
            for input in entry.inputs {
                let relative = input.path == "/" ? "" : String(input.path.dropFirst())
                guard input.path.hasPrefix("/"), NameRules.repoNameProblem(input.name) == nil, input.name != "out",
                      relative.isEmpty || (try? RepoPath.validate(relative)) != nil else {
                    throw ClusterError.invalidRecord(key: key, reason: "datum input \(input.label)")
                }
            }
        }
        for pack in manifest.packs where !NameRules.isPackName(pack.name) {
            throw ClusterError.invalidRecord(key: key, reason: "pack name '\(pack.name)'")
        }
        return manifest
    }
}

/// `jobs/JOB/round-R.json`: datum indices (into the manifest) of each task of a dispatch round.
public struct ClusterRound: Codable, Sendable {
    public var tasks: [[Int]]
}

/// A datum's outcome as a worker publishes it: `datums/KEY.json` on success,
/// `jobs/JOB/failures/KEY.json` when every attempt failed.
public struct DatumOutcome: Codable, Sendable {
    public var version = 1
    public var key: String
    public var job: String
    public var succeeded: Bool
    /// Success: a commit whose tree holds the outputs (paths relative to /pfs/out). It is made
    /// deterministically (no time, fixed author), so equal outputs give an equal commit.
    public var commit: String?
    /// Success: the packs the worker uploaded for the outputs (not yet in `index.json`).
    public var packs: [RemotePackRecord] = []
    public var attempts: Int
    public var exitCode: Int32?
    public var timedOut: Bool
    public var seconds: Double
    public var error: String?
    public var node: String?
    public var engineTask: String?
    /// Failed, then recovered by the transform's err_cmd (no output; the job does not fail).
    public var recovered: Bool?

    enum CodingKeys: String, CodingKey {
        case version, key, job, succeeded, commit, packs, attempts, seconds, error, node, recovered
        case exitCode = "exit_code"
        case timedOut = "timed_out"
        case engineTask = "engine_task"
    }

    /// - Throws: `ClusterError.invalidRecord` for anything not as a worker writes it.
    static func decode(_ bytes: [UInt8], key: String, expectedKey: String) throws -> DatumOutcome {
        let outcome: DatumOutcome
        do { outcome = try JSONDecoder().decode(DatumOutcome.self, from: Data(bytes)) } catch {
            throw ClusterError.invalidRecord(key: key, reason: "\(error)")
        }
        guard outcome.key == expectedKey else { throw ClusterError.invalidRecord(key: key, reason: "it describes datum \(outcome.key)") }
        if outcome.succeeded {
            guard let commit = outcome.commit, ObjectID(hex: commit) != nil else {
                throw ClusterError.invalidRecord(key: key, reason: "a success without a result commit")
            }
        }
        for pack in outcome.packs where !NameRules.isPackName(pack.name) {
            throw ClusterError.invalidRecord(key: key, reason: "pack name '\(pack.name)'")
        }
        return outcome
    }
}
