import DverCore
import Foundation

/// A parsed pipeline: what it reads, what it runs and how (docs/PIPELINES.md, "Spec reference").
public struct PipelineSpec: Codable, Sendable, Equatable {
    public var name: String
    public var description: String = ""
    public var input: PipelineInput
    public var transform: Transform
    public var runtime: RuntimeChoice = .auto
    /// Datums run at the same time.
    public var parallelism: Int = 1
    /// Attempts per datum before it counts as failed.
    public var datumTries: Int = 1
    /// Seconds a datum may run before it is killed; nil for no limit.
    public var datumTimeout: Double?
    public var resources = Resources()
    /// The branch of the output repo that jobs commit to.
    public var outputBranch: String = "main"
    /// Where datums run; nil is the local executor (and is left out of the spec hash, so specs
    /// written before executors existed keep their hash).
    public var executor: ExecutorSettings?
    /// Seconds the whole job may run; datums still running are killed and the job fails.
    public var jobTimeout: Double?
    /// `every_job` re-runs every datum in every job (no cached result is reused).
    public var reprocess: Reprocess = .untilSuccess
    /// Where each successful job's output files are copied: an S3 URL or a directory.
    public var egress: String?
    /// Mixed into every datum key: changing it re-runs every datum (Pachyderm's `salt`).
    public var salt: String?
    /// Free-form annotations and labels (Pachyderm's `metadata`); no effect.
    public var metadata: SpecMetadata?
    /// What the spec asks that dver accepts but cannot do here (Pachyderm's scheduling
    /// fields, GPUs, autoscaling …), recorded in every job's notes.
    public var notes: [String] = []

    /// Whether datums reuse successful results of earlier jobs.
    public enum Reprocess: String, Codable, Sendable { case untilSuccess = "until_success", everyJob = "every_job" }

    public init(name: String, input: PipelineInput, transform: Transform) {
        self.name = name
        self.input = input
        self.transform = transform
    }

    enum CodingKeys: String, CodingKey {
        case name, description, input, transform, runtime, parallelism, resources
        case datumTries = "datum_tries"
        case datumTimeout = "datum_timeout"
        case outputBranch = "output_branch"
        case executor, egress, salt, metadata, notes
        case jobTimeout = "job_timeout"
        case reprocess = "reprocess_spec"
    }

    /// Reads a stored spec; fields another version did not write take their defaults.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
        input = try container.decode(PipelineInput.self, forKey: .input)
        transform = try container.decode(Transform.self, forKey: .transform)
        runtime = try container.decodeIfPresent(RuntimeChoice.self, forKey: .runtime) ?? .auto
        parallelism = try container.decodeIfPresent(Int.self, forKey: .parallelism) ?? 1
        datumTries = try container.decodeIfPresent(Int.self, forKey: .datumTries) ?? 1
        datumTimeout = try container.decodeIfPresent(Double.self, forKey: .datumTimeout)
        resources = try container.decodeIfPresent(Resources.self, forKey: .resources) ?? Resources()
        outputBranch = try container.decodeIfPresent(String.self, forKey: .outputBranch) ?? "main"
        executor = try container.decodeIfPresent(ExecutorSettings.self, forKey: .executor)
        jobTimeout = try container.decodeIfPresent(Double.self, forKey: .jobTimeout)
        reprocess = try container.decodeIfPresent(Reprocess.self, forKey: .reprocess) ?? .untilSuccess
        egress = try container.decodeIfPresent(String.self, forKey: .egress)
        salt = try container.decodeIfPresent(String.self, forKey: .salt)
        metadata = try container.decodeIfPresent(SpecMetadata.self, forKey: .metadata)
        notes = try container.decodeIfPresent([String].self, forKey: .notes) ?? []
    }

    /// Fields at their defaults are left out, so specs written before they existed keep their hash.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(input, forKey: .input)
        try container.encode(transform, forKey: .transform)
        try container.encode(runtime, forKey: .runtime)
        try container.encode(parallelism, forKey: .parallelism)
        try container.encode(datumTries, forKey: .datumTries)
        try container.encodeIfPresent(datumTimeout, forKey: .datumTimeout)
        try container.encode(resources, forKey: .resources)
        try container.encode(outputBranch, forKey: .outputBranch)
        try container.encodeIfPresent(executor, forKey: .executor)
        try container.encodeIfPresent(jobTimeout, forKey: .jobTimeout)
        if reprocess != .untilSuccess { try container.encode(reprocess, forKey: .reprocess) }
        try container.encodeIfPresent(egress, forKey: .egress)
        try container.encodeIfPresent(salt, forKey: .salt)
        try container.encodeIfPresent(metadata, forKey: .metadata)
        if !notes.isEmpty { try container.encode(notes, forKey: .notes) }
    }

    /// SHA-256 of the canonical JSON encoding (`canonicalJSON`, sorted keys): recorded in each
    /// output commit, and the spec's name on a remote.
    public var hash: ObjectID {
        SHA256.hash((try? canonicalJSON()) ?? [])  // a value of plain fields always encodes
    }

    /// Every pfs input, depth first.
    public var pfsInputs: [PFSInput] { input.pfsInputs }

    /// The repos this pipeline reads.
    public var inputRepos: [String] { Array(Set(pfsInputs.map(\.repo))).sorted() }
}

/// The command a datum runs and its environment.
public struct Transform: Codable, Sendable, Equatable {
    /// An OCI image name (podman, docker, bwrap through an exported image) or a rootfs
    /// directory (bwrap); ignored by the local runtime except in the datum key.
    public var image: String = ""
    public var cmd: [String] = []
    /// Lines written to the command's standard input.
    public var stdin: [String] = []
    public var env: [String: String] = [:]
    public var workingDirectory: String?
    /// Whether the container may reach the network (default: no network).
    public var network = false
    /// Run after each failed attempt; if it succeeds the datum is *recovered*: its outputs are
    /// discarded, it does not fail the job, and it runs again in the next job (Pachyderm).
    public var errCmd: [String] = []
    public var errStdin: [String] = []
    /// Exit codes that count as success besides 0, for `cmd` and `err_cmd`.
    public var acceptReturnCodes: [Int32] = []
    /// Secrets the datum sees (values never stored: see docs/PIPELINES.md, "Secrets").
    public var secrets: [SecretReference] = []
    /// The user the command runs as (`name`, `uid`, `uid:gid`), where the runtime can.
    public var user: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case image, cmd, stdin, env, network, secrets, user
        case workingDirectory = "working_dir"
        case errCmd = "err_cmd"
        case errStdin = "err_stdin"
        case acceptReturnCodes = "accept_return_code"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(image, forKey: .image)
        try container.encode(cmd, forKey: .cmd)
        try container.encode(stdin, forKey: .stdin)
        try container.encode(env, forKey: .env)
        try container.encodeIfPresent(workingDirectory, forKey: .workingDirectory)
        try container.encode(network, forKey: .network)
        if !errCmd.isEmpty { try container.encode(errCmd, forKey: .errCmd) }
        if !errStdin.isEmpty { try container.encode(errStdin, forKey: .errStdin) }
        if !acceptReturnCodes.isEmpty { try container.encode(acceptReturnCodes, forKey: .acceptReturnCodes) }
        if !secrets.isEmpty { try container.encode(secrets, forKey: .secrets) }
        try container.encodeIfPresent(user, forKey: .user)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        image = try container.decodeIfPresent(String.self, forKey: .image) ?? ""
        cmd = try container.decodeIfPresent([String].self, forKey: .cmd) ?? []
        stdin = try container.decodeIfPresent([String].self, forKey: .stdin) ?? []
        env = try container.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
        network = try container.decodeIfPresent(Bool.self, forKey: .network) ?? false
        errCmd = try container.decodeIfPresent([String].self, forKey: .errCmd) ?? []
        errStdin = try container.decodeIfPresent([String].self, forKey: .errStdin) ?? []
        acceptReturnCodes = try container.decodeIfPresent([Int32].self, forKey: .acceptReturnCodes) ?? []
        secrets = try container.decodeIfPresent([SecretReference].self, forKey: .secrets) ?? []
        user = try container.decodeIfPresent(String.self, forKey: .user)
    }
}

/// Resource limits, applied where the runtime supports them (docs/PIPELINES.md, "Runtimes").
public struct Resources: Codable, Sendable, Equatable {
    public var memoryBytes: UInt64?
    public var cpus: Double?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case memoryBytes = "memory_bytes"
        case cpus
    }
}

/// Which runtime runs the datums.
public enum RuntimeChoice: String, Codable, Sendable, CaseIterable {
    case auto, podman, docker, bwrap, local
}

/// One input repo matched by a glob.
public struct PFSInput: Codable, Sendable, Equatable {
    /// The directory name under /pfs (default: the repo name).
    public var name: String
    public var repo: String
    public var branch: String = "main"
    public var glob: String = "/*"
    /// For join inputs: the capture groups that must match, e.g. "$1" or "$1-$2".
    public var joinOn: String?
    /// For join inputs: datums of this input without a match are still run, alone.
    public var outerJoin = false
    /// For group inputs: the capture groups whose value gathers files into one datum.
    public var groupBy: String?
    /// A commit (id or unique prefix) to read instead of the branch head.
    public var commit: String?
    /// Files appear as empty files of the right names (links to them in /pfs/out still store
    /// the real content).
    public var emptyFiles = false
    /// Pachyderm streams these files on demand; dver writes them in full before the command
    /// starts (same content, no named pipes). Kept for the spec's round trip.
    public var lazy = false

    public init(name: String, repo: String, branch: String = "main", glob: String = "/*", joinOn: String? = nil) {
        self.name = name
        self.repo = repo
        self.branch = branch
        self.glob = glob
        self.joinOn = joinOn
    }

    /// "repo@branch" (or "repo@commit" for a pinned commit): what the input reads.
    public var source: String { "\(repo)@\(commit ?? branch)" }

    enum CodingKeys: String, CodingKey {
        case name, repo, branch, glob, commit, lazy
        case joinOn = "join_on"
        case outerJoin = "outer_join"
        case groupBy = "group_by"
        case emptyFiles = "empty_files"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        repo = try container.decode(String.self, forKey: .repo)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? repo
        branch = try container.decodeIfPresent(String.self, forKey: .branch) ?? "main"
        glob = try container.decodeIfPresent(String.self, forKey: .glob) ?? "/*"
        joinOn = try container.decodeIfPresent(String.self, forKey: .joinOn)
        outerJoin = try container.decodeIfPresent(Bool.self, forKey: .outerJoin) ?? false
        groupBy = try container.decodeIfPresent(String.self, forKey: .groupBy)
        commit = try container.decodeIfPresent(String.self, forKey: .commit)
        emptyFiles = try container.decodeIfPresent(Bool.self, forKey: .emptyFiles) ?? false
        lazy = try container.decodeIfPresent(Bool.self, forKey: .lazy) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(repo, forKey: .repo)
        try container.encode(branch, forKey: .branch)
        try container.encode(glob, forKey: .glob)
        try container.encodeIfPresent(joinOn, forKey: .joinOn)
        if outerJoin { try container.encode(true, forKey: .outerJoin) }
        try container.encodeIfPresent(groupBy, forKey: .groupBy)
        try container.encodeIfPresent(commit, forKey: .commit)
        if emptyFiles { try container.encode(true, forKey: .emptyFiles) }
        if lazy { try container.encode(true, forKey: .lazy) }
    }
}

/// A cron input: ticks written as empty files named by their time into repo `repo`
/// (`<pipeline>_<name>` by default) by `dver pipeline tick`; read like a pfs input with glob
/// "/*" (docs/PIPELINES.md, "From Pachyderm").
public struct CronInput: Codable, Sendable, Equatable {
    public var name: String
    public var repo: String
    /// Five cron fields (`*/5 * * * *`), `@hourly`-style names, or `@every 90s`.
    public var spec: String
    /// Each tick replaces the previous one (only the latest tick is a datum).
    public var overwrite = false
    /// Unix seconds of the first tick's earliest time (default: when the pipeline was created).
    public var start: Double?

    public init(name: String, repo: String, spec: String) {
        self.name = name
        self.repo = repo
        self.spec = spec
    }

    /// The pfs input the cron repo is read through.
    public var pfs: PFSInput { PFSInput(name: name, repo: repo, branch: "main", glob: "/*") }
}

/// A secret the command sees, from outside the spec: `env_var` gets the value of `key`;
/// `mount_path` gets the secret's keys as files.
public struct SecretReference: Codable, Sendable, Equatable {
    public var name: String
    public var key: String?
    public var envVar: String?
    public var mountPath: String?

    public init(name: String, key: String?, envVar: String?, mountPath: String?) {
        self.name = name
        self.key = key
        self.envVar = envVar
        self.mountPath = mountPath
    }

    enum CodingKeys: String, CodingKey {
        case name, key
        case envVar = "env_var"
        case mountPath = "mount_path"
    }
}

/// Pachyderm's `metadata`: annotations and labels, kept with the spec, no effect.
public struct SpecMetadata: Codable, Sendable, Equatable {
    public var annotations: [String: String] = [:]
    public var labels: [String: String] = [:]

    public init() {}
}

/// The input tree: one repo, or a combination of inputs.
public indirect enum PipelineInput: Codable, Sendable, Equatable {
    case pfs(PFSInput)
    /// Every combination of one datum from each input.
    case cross([PipelineInput])
    /// The datums of every input, one after another.
    case union([PipelineInput])
    /// Datums of pfs inputs whose `join_on` captures are equal, combined (outer inputs'
    /// unmatched datums alone).
    case join([PipelineInput])
    /// One datum per `group_by` value, holding every matching file of every input.
    case group([PipelineInput])
    /// Ticks of a schedule, read from a cron repo.
    case cron(CronInput)

    public var pfsInputs: [PFSInput] {
        switch self {
        case .pfs(let input): return [input]
        case .cron(let cron): return [cron.pfs]
        case .cross(let inputs), .union(let inputs), .join(let inputs), .group(let inputs): return inputs.flatMap(\.pfsInputs)
        }
    }

    /// Every cron input, depth first.
    public var cronInputs: [CronInput] {
        switch self {
        case .pfs: return []
        case .cron(let cron): return [cron]
        case .cross(let inputs), .union(let inputs), .join(let inputs), .group(let inputs): return inputs.flatMap(\.cronInputs)
        }
    }

    enum CodingKeys: String, CodingKey { case pfs, cross, union, join, group, cron }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let input = try container.decodeIfPresent(PFSInput.self, forKey: .pfs) { self = .pfs(input); return }
        if let inputs = try container.decodeIfPresent([PipelineInput].self, forKey: .cross) { self = .cross(inputs); return }
        if let inputs = try container.decodeIfPresent([PipelineInput].self, forKey: .union) { self = .union(inputs); return }
        if let inputs = try container.decodeIfPresent([PipelineInput].self, forKey: .join) { self = .join(inputs); return }
        if let inputs = try container.decodeIfPresent([PipelineInput].self, forKey: .group) { self = .group(inputs); return }
        if let cron = try container.decodeIfPresent(CronInput.self, forKey: .cron) { self = .cron(cron); return }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "input needs pfs, cross, union, join, group or cron"))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .pfs(let input): try container.encode(input, forKey: .pfs)
        case .cross(let inputs): try container.encode(inputs, forKey: .cross)
        case .union(let inputs): try container.encode(inputs, forKey: .union)
        case .join(let inputs): try container.encode(inputs, forKey: .join)
        case .group(let inputs): try container.encode(inputs, forKey: .group)
        case .cron(let cron): try container.encode(cron, forKey: .cron)
        }
    }
}
