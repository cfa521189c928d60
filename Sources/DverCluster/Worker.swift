import DverCore
import DverPipeline
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation

/// What a worker did with its task.
public struct WorkerReport: Sendable {
    public var ran = 0
    public var succeeded = 0
    public var failed = 0
    /// Datums another worker (or an earlier attempt of this task) had already published.
    public var alreadyDone = 0
    public var bytesDownloaded: UInt64 = 0
}

/// `dver worker run`: runs one task of a cluster job on whatever node the scheduler chose.
/// It reads the job manifest from the remote, downloads only the objects beneath its datums'
/// inputs, runs each datum exactly as the local executor does (same `/pfs` view, environment,
/// limits, timeout and attempts), uploads the outputs as a pack and publishes one record per
/// datum with a create-only write. It works in a scratch store that it deletes at the end.
public struct WorkerOperation: Sendable {
    public var settings: RemoteSettings
    public var job: String
    public var round: Int
    public var task: Int
    /// Scratch directory for this task's store (deleted at the end).
    public var workDirectory: String
    /// Shared by the workers of one node: verified pack indexes and exported root file systems.
    public var cacheDirectory: String
    public var environment: [String: String]
    /// Run each datum's command in this process's own container (a Kubernetes pod started
    /// from the spec's image) instead of through the spec's runtime.
    public var inContainer = false

    public init(settings: RemoteSettings, job: String, round: Int, task: Int, workDirectory: String, cacheDirectory: String,
                environment: [String: String]) {
        self.settings = settings
        self.job = job
        self.round = round
        self.task = task
        self.workDirectory = workDirectory
        self.cacheDirectory = cacheDirectory
        self.environment = environment
    }

    /// - Throws: remote, manifest and setup errors; a datum that fails is published as failed,
    ///   not thrown.
    public func run() throws -> WorkerReport {
        guard ClusterKeys.validJob(job) else { throw ClusterError.invalidRecord(key: job, reason: "bad job id") }
        try FileSystem.createDirectories(workDirectory)
        defer { try? FileSystem.removeTreeForcibly(workDirectory) }
        // A scratch store, deleted at the end: nothing in it needs to survive a crash.
        let project = try Project.initialize(at: workDirectory, durable: false)
        let opened = try Remote.open(settings, layout: project.layout, environment: environment)
        let remote = Remote(name: opened.name, transport: opened.transport, cacheDirectory: cacheDirectory, transfers: opened.transfers)
        let manifest = try read(ClusterKeys.manifest(job), from: remote) { try ClusterManifest.decode($0, key: ClusterKeys.manifest(job)) }
        let round = try read(ClusterKeys.round(job, self.round), from: remote) { bytes in
            do { return try JSONDecoder().decode(ClusterRound.self, from: Data(bytes)) } catch {
                throw ClusterError.invalidRecord(key: ClusterKeys.round(job, self.round), reason: "\(error)")
            }
        }
        guard task >= 0, task < round.tasks.count else { throw ClusterError.noSuchTask(job: job, round: self.round, task: task) }
        let spec = manifest.pipeline.spec
        try project.createRepo(name: spec.name, mount: "results")
        var transform = spec.transform
        if manifest.imageReference.hasPrefix("/"), FileSystem.isDirectory(manifest.imageReference) { transform.image = manifest.imageReference }
        let runtime: any DatumRuntime
        let image: PreparedImage
        if inContainer {
            runtime = try InContainerRuntime(environment: environment)
            image = PreparedImage(identity: manifest.imageIdentity, reference: spec.transform.image)
        } else {
            (runtime, image) = try RuntimeSelector.runtime(for: spec.runtime, projectRoot: workDirectory, transform: transform,
                                                           cacheDirectory: cacheDirectory)
            guard image.identity == manifest.imageIdentity else { throw ClusterError.imageMismatch(expected: manifest.imageIdentity, found: image.identity) }
        }
        var runnable = spec
        runnable.transform = transform
        let jobs = JobStore(layout: project.layout, durable: false)
        try FileSystem.createDirectories("\(jobs.directory)/\(job)")
        var report = WorkerReport()
        for index in round.tasks[task] {
            guard index >= 0, index < manifest.datums.count else { throw ClusterError.noSuchTask(job: job, round: self.round, task: task) }
            let entry = manifest.datums[index]
            if try remote.transport.size(of: ClusterKeys.result(entry.key)) != nil {
                report.alreadyDone += 1
                continue
            }
            let outcome = try runDatum(entry, manifest: manifest, spec: runnable, runtime: runtime, image: image,
                                       project: project, remote: remote, jobs: jobs, report: &report)
            try publish(outcome, remote: remote, jobs: jobs)
        }
        return report
    }

    private func read<T>(_ key: String, from remote: Remote, _ decode: ([UInt8]) throws -> T) throws -> T {
        guard let blob = try remote.transport.get(key, limit: 256 << 20) else {
            throw ClusterError.invalidRecord(key: key, reason: "missing on \(remote.transport.displayURL)")
        }
        return try decode(blob.bytes)
    }

    /// Downloads one datum's inputs, runs it and, on success, stores its outputs under a
    /// deterministic commit and uploads them.
    private func runDatum(_ entry: ClusterManifest.Entry, manifest: ClusterManifest, spec: PipelineSpec, runtime: any DatumRuntime,
                          image: PreparedImage, project: Project, remote: Remote, jobs: JobStore,
                          report: inout WorkerReport) throws -> DatumOutcome {
        guard let key = ObjectID(hex: entry.key) else { throw ClusterError.invalidRecord(key: entry.key, reason: "datum key") }
        let roots = entry.inputs.map { input -> (id: ObjectID, kind: ObjectKind) in
            (input.id, input.kind == .directory ? .tree : input.chunked ? .chunkList : .chunk)
        }
        let received = try RemoteObjects(project: project, remote: remote).download(roots: roots, packs: manifest.packs)
        report.bytesDownloaded += received.bytes
        let writer = project.makeWriter()
        let executor = DatumExecutor(project: project, runtime: runtime, image: image, spec: spec, jobID: job, jobs: jobs, writer: writer,
                                     inputCommits: manifest.inputCommits ?? [:])
        let result = executor.runOne(Datum(inputs: entry.inputs, key: key))
        report.ran += 1
        var outcome = DatumOutcome(key: entry.key, job: job, succeeded: false, attempts: result.record.attempts,
                                   exitCode: result.record.exitCode, timedOut: result.record.timedOut, seconds: result.record.seconds,
                                   error: result.record.error, node: environment["DVER_NODE"] ?? Self.hostname(),
                                   engineTask: environment["DVER_ENGINE_TASK"])
        if result.record.state == .recovered { outcome.recovered = true }
        guard let files = result.files else {
            writer.abandon()
            report.failed += 1
            return outcome
        }
        let tree = try TreeBuilder.build(files.map { TreeBuilder.File(path: $0.path, ref: $0.ref) }, writer: writer)
        let commit = Commit(repo: spec.name, tree: tree, parents: [], time: 0, author: "dver worker",
                            message: "datum \(entry.key)", commitSet: nil)
        let id = try writer.put(encoded: commit.encoded(), kind: .commit)
        _ = try writer.finish()
        outcome.succeeded = true
        outcome.commit = id.hex
        outcome.packs = try RemoteObjects(project: project, remote: remote).uploadPacks(reachableFrom: id, besides: manifest.packs)
        report.succeeded += 1
        return outcome
    }

    /// Uploads the datum's log, then its record with a create-only write: the first record
    /// of a datum wins (a requeued or duplicated task's identical result is dropped).
    private func publish(_ outcome: DatumOutcome, remote: Remote, jobs: JobStore) throws {
        let log = jobs.logPath(job: job, datum: outcome.key)
        if var bytes = try? FileSystem.readFile(log) {
            if bytes.count > 4 << 20 { bytes = Array(bytes.suffix(4 << 20)) }
            try remote.transport.put(ClusterKeys.log(job, outcome.key), bytes: bytes)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array(try encoder.encode(outcome))
        let key = outcome.succeeded ? ClusterKeys.result(outcome.key) : ClusterKeys.failure(job, outcome.key)
        _ = try remote.transport.putConditionally(key, bytes: bytes, expected: nil)
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(cString: buffer)
    }
}
