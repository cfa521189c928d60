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
        case executor
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

    public init() {}

    enum CodingKeys: String, CodingKey {
        case image, cmd, stdin, env, network
        case workingDirectory = "working_dir"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        image = try container.decodeIfPresent(String.self, forKey: .image) ?? ""
        cmd = try container.decodeIfPresent([String].self, forKey: .cmd) ?? []
        stdin = try container.decodeIfPresent([String].self, forKey: .stdin) ?? []
        env = try container.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        workingDirectory = try container.decodeIfPresent(String.self, forKey: .workingDirectory)
        network = try container.decodeIfPresent(Bool.self, forKey: .network) ?? false
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

    public init(name: String, repo: String, branch: String = "main", glob: String = "/*", joinOn: String? = nil) {
        self.name = name
        self.repo = repo
        self.branch = branch
        self.glob = glob
        self.joinOn = joinOn
    }

    /// "repo@branch": what the input reads (several inputs may read one branch).
    public var source: String { "\(repo)@\(branch)" }

    enum CodingKeys: String, CodingKey {
        case name, repo, branch, glob
        case joinOn = "join_on"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        repo = try container.decode(String.self, forKey: .repo)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? repo
        branch = try container.decodeIfPresent(String.self, forKey: .branch) ?? "main"
        glob = try container.decodeIfPresent(String.self, forKey: .glob) ?? "/*"
        joinOn = try container.decodeIfPresent(String.self, forKey: .joinOn)
    }
}

/// The input tree: one repo, or a combination of inputs.
public indirect enum PipelineInput: Codable, Sendable, Equatable {
    case pfs(PFSInput)
    /// Every combination of one datum from each input.
    case cross([PipelineInput])
    /// The datums of every input, one after another.
    case union([PipelineInput])
    /// Datums of pfs inputs whose `join_on` captures are equal, combined.
    case join([PipelineInput])

    public var pfsInputs: [PFSInput] {
        switch self {
        case .pfs(let input): return [input]
        case .cross(let inputs), .union(let inputs), .join(let inputs): return inputs.flatMap(\.pfsInputs)
        }
    }

    enum CodingKeys: String, CodingKey { case pfs, cross, union, join }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let input = try container.decodeIfPresent(PFSInput.self, forKey: .pfs) { self = .pfs(input); return }
        if let inputs = try container.decodeIfPresent([PipelineInput].self, forKey: .cross) { self = .cross(inputs); return }
        if let inputs = try container.decodeIfPresent([PipelineInput].self, forKey: .union) { self = .union(inputs); return }
        if let inputs = try container.decodeIfPresent([PipelineInput].self, forKey: .join) { self = .join(inputs); return }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "input needs pfs, cross, union or join"))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .pfs(let input): try container.encode(input, forKey: .pfs)
        case .cross(let inputs): try container.encode(inputs, forKey: .cross)
        case .union(let inputs): try container.encode(inputs, forKey: .union)
        case .join(let inputs): try container.encode(inputs, forKey: .join)
        }
    }
}
