import DverCore
import DverRepository
import DverStore

/// What a job hands to whatever runs its datums.
public struct DispatchJob: Sendable {
    public let project: Project
    public let pipeline: StoredPipeline
    public let jobID: String
    /// The input commits the planner read (pushed to a remote before workers need them).
    public let inputs: [ResolvedInput]
    /// The runtime's name and the image identity the datum keys were computed with.
    public let runtime: String
    public let image: PreparedImage
    public let jobs: JobStore

    public var spec: PipelineSpec { pipeline.spec }
}

/// The result of running one datum: its record and, on success, its output files — whose
/// objects are in the local store (sealed) when `run` returns.
public struct DatumRunResult: Sendable {
    public var record: DatumRecord
    public var files: [DatumResult.OutputFile]?

    public init(record: DatumRecord, files: [DatumResult.OutputFile]?) {
        self.record = record
        self.files = files
    }
}

/// Runs the datums a job must run (`indices` into `datums`; those without a cached result).
/// The `local` executor (`DatumExecutor`) runs them in threads of this process; the cluster
/// executors (DverCluster) dispatch them to workers through a remote. Planning, the cache
/// and the output commit are the same for every executor (docs/PIPELINES.md, "Executors").
public protocol DatumDispatcher: Sendable {
    /// - Returns: a result for every index that ran (a datum missing from the result failed
    ///   to be dispatched and is recorded as failed by the caller).
    /// - Throws: only problems that stop the whole job (the job is then recorded as failed).
    func run(_ datums: [Datum], indices: [Int], job: DispatchJob) throws -> [Int: DatumRunResult]
}

/// Makes the dispatcher for a non-local executor (the CLI provides one that knows remotes and
/// cluster engines; DverPipeline does not depend on them).
public typealias DispatcherFactory = @Sendable (ExecutorSettings) throws -> any DatumDispatcher

/// Thrown by a dispatcher that handed the datums over and will not wait for them (e.g. it
/// printed a Kubernetes manifest): the job is recorded as `dispatched`, with `message` as a note.
public struct JobDispatched: Error, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
}
