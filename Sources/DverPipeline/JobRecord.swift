import Foundation

/// A job's lifecycle.
public enum JobState: String, Codable, Sendable {
    case running, succeeded, failed
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
    public var state: JobState = .running
    public var inputs: [ResolvedInput] = []
    public var outputCommit: String?
    /// Unix seconds.
    public var started: Double
    public var finished: Double?
    public var planSeconds: Double = 0
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
        case id, pipeline, trigger, runtime, state, inputs, started, finished, datums, error, notes
        case specHash = "spec_hash"
        case outputCommit = "output_commit"
        case planSeconds = "plan_seconds"
        case processID = "pid"
    }

    public func count(_ state: DatumState) -> Int { datums.reduce(0) { $0 + ($1.state == state ? 1 : 0) } }

    /// "3 datums: 1 ran, 2 skipped, 0 failed".
    public var summary: String {
        "\(datums.count) datums: \(count(.succeeded)) ran, \(count(.skipped)) skipped, \(count(.failed)) failed"
            + (count(.pending) > 0 ? ", \(count(.pending)) not run" : "")
    }
}
