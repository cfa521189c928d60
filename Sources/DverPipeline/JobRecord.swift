import Foundation

/// A job's lifecycle.
public enum JobState: String, Codable, Sendable {
    case running, succeeded, failed
    /// The datums were handed to a cluster that dver does not watch (a Kubernetes manifest
    /// printed for the user to apply); a later run collects their published results.
    case dispatched
}

/// What happened to one datum in a job.
public enum DatumState: String, Codable, Sendable {
    /// Ran and succeeded in this job.
    case succeeded
    /// Ran and failed every attempt.
    case failed
    /// Not run: a cached result with the same key was reused.
    case skipped
    /// Not run because the job stopped first.
    case pending
    /// Failed, but the transform's err_cmd then succeeded (Pachyderm's "recovered"): no
    /// output, the job does not fail, and it runs again in the next job.
    case recovered
}

/// One datum's record in a job (`dver job inspect`).
public struct DatumRecord: Codable, Sendable {
    public var id: String
    public var inputs: [String]
    public var state: DatumState
    public var attempts: Int = 0
    public var exitCode: Int32?
    public var timedOut = false
    public var seconds: Double = 0
    /// The job whose result was reused (skipped datums).
    public var reusedFrom: String?
    public var outputFiles: Int = 0
    public var outputBytes: UInt64 = 0
    public var error: String?
    /// Cluster executors: the node that ran the datum and the engine's task id (e.g. Slurm
    /// `12345_7`), and how many times it was dispatched.
    public var node: String?
    public var engineTask: String?
    public var dispatches: Int?

    public init(id: String, inputs: [String], state: DatumState) {
        self.id = id
        self.inputs = inputs
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case id, inputs, state, attempts, seconds, error
        case exitCode = "exit_code"
        case timedOut = "timed_out"
        case reusedFrom = "reused_from"
        case outputFiles = "output_files"
        case outputBytes = "output_bytes"
        case node
        case engineTask = "engine_task"
        case dispatches
    }

    /// Tolerates missing optional fields, so records of other versions still read.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        inputs = try container.decodeIfPresent([String].self, forKey: .inputs) ?? []
        state = try container.decode(DatumState.self, forKey: .state)
        attempts = try container.decodeIfPresent(Int.self, forKey: .attempts) ?? 0
        exitCode = try container.decodeIfPresent(Int32.self, forKey: .exitCode)
        timedOut = try container.decodeIfPresent(Bool.self, forKey: .timedOut) ?? false
        seconds = try container.decodeIfPresent(Double.self, forKey: .seconds) ?? 0
        reusedFrom = try container.decodeIfPresent(String.self, forKey: .reusedFrom)
        node = try container.decodeIfPresent(String.self, forKey: .node)
        engineTask = try container.decodeIfPresent(String.self, forKey: .engineTask)
        dispatches = try container.decodeIfPresent(Int.self, forKey: .dispatches)
        outputFiles = try container.decodeIfPresent(Int.self, forKey: .outputFiles) ?? 0
        outputBytes = try container.decodeIfPresent(UInt64.self, forKey: .outputBytes) ?? 0
        error = try container.decodeIfPresent(String.self, forKey: .error)
    }
}

/// A job: one run of a pipeline over specific input commits (`.dver/jobs/<id>.json`).
public struct JobRecord: Codable, Sendable {
    public var id: String
    public var pipeline: String
    public var specHash: String
    /// "commit", "manual" or "datum" (a `pipeline run --datum` debug run, which commits nothing).
    public var trigger: String
    public var runtime: String = ""
    /// Where the datums ran: "local", "slurm" or "kubernetes".
    public var executor: String = "local"
    public var state: JobState = .running
    public var inputs: [ResolvedInput] = []
    public var outputCommit: String?
    /// Unix seconds.
    public var started: Double
    public var finished: Double?
    public var planSeconds: Double = 0
    /// Running the datums (materializing inputs, the runtime, storing outputs, sealing packs).
    public var runSeconds: Double = 0
    /// Caching results, merging outputs, the output commit and the workspace update.
    public var commitSeconds: Double = 0
    public var datums: [DatumRecord] = []
    public var error: String?
    public var notes: [String] = []
    /// The process running the job (to tell an interrupted job from a running one).
    public var processID: Int32?

    public init(id: String, pipeline: String, specHash: String, trigger: String, started: Double) {
        self.id = id
        self.pipeline = pipeline
        self.specHash = specHash
        self.trigger = trigger
        self.started = started
    }

    enum CodingKeys: String, CodingKey {
        case id, pipeline, trigger, runtime, executor, state, inputs, started, finished, datums, error, notes
        case specHash = "spec_hash"
        case outputCommit = "output_commit"
        case planSeconds = "plan_seconds"
        case runSeconds = "run_seconds"
        case commitSeconds = "commit_seconds"
        case processID = "pid"
    }

    /// Tolerates missing optional fields, so records of other versions still read.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        pipeline = try container.decode(String.self, forKey: .pipeline)
        specHash = try container.decodeIfPresent(String.self, forKey: .specHash) ?? ""
        trigger = try container.decodeIfPresent(String.self, forKey: .trigger) ?? ""
        runtime = try container.decodeIfPresent(String.self, forKey: .runtime) ?? ""
        executor = try container.decodeIfPresent(String.self, forKey: .executor) ?? "local"
        state = try container.decode(JobState.self, forKey: .state)
        inputs = try container.decodeIfPresent([ResolvedInput].self, forKey: .inputs) ?? []
        outputCommit = try container.decodeIfPresent(String.self, forKey: .outputCommit)
        started = try container.decode(Double.self, forKey: .started)
        finished = try container.decodeIfPresent(Double.self, forKey: .finished)
        planSeconds = try container.decodeIfPresent(Double.self, forKey: .planSeconds) ?? 0
        runSeconds = try container.decodeIfPresent(Double.self, forKey: .runSeconds) ?? 0
        commitSeconds = try container.decodeIfPresent(Double.self, forKey: .commitSeconds) ?? 0
        datums = try container.decodeIfPresent([DatumRecord].self, forKey: .datums) ?? []
        error = try container.decodeIfPresent(String.self, forKey: .error)
        notes = try container.decodeIfPresent([String].self, forKey: .notes) ?? []
        processID = try container.decodeIfPresent(Int32.self, forKey: .processID)
    }

    public func count(_ state: DatumState) -> Int { datums.reduce(0) { $0 + ($1.state == state ? 1 : 0) } }

    /// How the note of a job that committed nothing, its output being unchanged, begins.
    public static let outputUnchangedNote = "output unchanged"

    /// The note saying the job's output was unchanged, so nothing was committed.
    public var outputUnchanged: String? { notes.first { $0.hasPrefix(Self.outputUnchangedNote) } }

    /// "3 datums: 1 ran, 2 skipped, 0 failed".
    public var summary: String {
        "\(datums.count) datum\(datums.count == 1 ? "" : "s"): \(count(.succeeded)) ran, \(count(.skipped)) skipped, \(count(.failed)) failed"
            + (count(.recovered) > 0 ? ", \(count(.recovered)) recovered" : "")
            + (count(.pending) > 0 ? ", \(count(.pending)) not run" : "")
    }
}
