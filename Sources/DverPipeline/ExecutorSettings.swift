import Foundation

/// Where a pipeline's datums run (docs/PIPELINES.md, "Executors"). Planning always happens
/// where `dver` runs; only datums without a cached result are dispatched.
public struct ExecutorSettings: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Threads of the dver process (the default).
        case local
        /// A Slurm array job; workers share the store through a remote.
        case slurm
        /// A Kubernetes Indexed Job; workers share the store through a remote.
        case kubernetes
    }

    public var kind: Kind
    /// The remote workers share the store through (default: the project's default remote).
    public var remote: String?
    /// Tasks running at once (Slurm `--array=…%P`, Kubernetes `parallelism`).
    public var parallelism: Int?
    /// Datums per task (default: one; more for very large jobs).
    public var datumsPerTask: Int?
    /// Slurm: `--partition`, `--account`, `--time` (minutes).
    public var partition: String?
    public var account: String?
    public var timeMinutes: Int?
    /// Slurm: extra `sbatch` arguments, e.g. `["--mem=4G"]`.
    public var sbatchArguments: [String] = []
    /// The dver executable on the nodes (default: the coordinator's own path).
    public var dverPath: String?
    /// Kubernetes: namespace, the Secret holding the remote's credentials, the image holding a
    /// static dver binary for the init container, and retries per index.
    public var namespace: String?
    public var secret: String?
    public var workerImage: String?
    public var backoffLimitPerIndex: Int?

    public init(kind: Kind) { self.kind = kind }

    enum CodingKeys: String, CodingKey {
        case kind, remote, parallelism, partition, account, namespace, secret
        case datumsPerTask = "datums_per_task"
        case timeMinutes = "time_minutes"
        case sbatchArguments = "sbatch_args"
        case dverPath = "dver_path"
        case workerImage = "worker_image"
        case backoffLimitPerIndex = "backoff_limit_per_index"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        remote = try container.decodeIfPresent(String.self, forKey: .remote)
        parallelism = try container.decodeIfPresent(Int.self, forKey: .parallelism)
        datumsPerTask = try container.decodeIfPresent(Int.self, forKey: .datumsPerTask)
        partition = try container.decodeIfPresent(String.self, forKey: .partition)
        account = try container.decodeIfPresent(String.self, forKey: .account)
        timeMinutes = try container.decodeIfPresent(Int.self, forKey: .timeMinutes)
        sbatchArguments = try container.decodeIfPresent([String].self, forKey: .sbatchArguments) ?? []
        dverPath = try container.decodeIfPresent(String.self, forKey: .dverPath)
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace)
        secret = try container.decodeIfPresent(String.self, forKey: .secret)
        workerImage = try container.decodeIfPresent(String.self, forKey: .workerImage)
        backoffLimitPerIndex = try container.decodeIfPresent(Int.self, forKey: .backoffLimitPerIndex)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encodeIfPresent(remote, forKey: .remote)
        try container.encodeIfPresent(parallelism, forKey: .parallelism)
        try container.encodeIfPresent(datumsPerTask, forKey: .datumsPerTask)
        try container.encodeIfPresent(partition, forKey: .partition)
        try container.encodeIfPresent(account, forKey: .account)
        try container.encodeIfPresent(timeMinutes, forKey: .timeMinutes)
        if !sbatchArguments.isEmpty { try container.encode(sbatchArguments, forKey: .sbatchArguments) }
        try container.encodeIfPresent(dverPath, forKey: .dverPath)
        try container.encodeIfPresent(namespace, forKey: .namespace)
        try container.encodeIfPresent(secret, forKey: .secret)
        try container.encodeIfPresent(workerImage, forKey: .workerImage)
        try container.encodeIfPresent(backoffLimitPerIndex, forKey: .backoffLimitPerIndex)
    }
}
