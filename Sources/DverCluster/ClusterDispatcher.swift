import DverCore
import DverPipeline
import DverRemote
import DverRepository
import DverStore
import DverSystem
import Foundation
import Synchronization

/// The coordinator side of a cluster executor: ships the datums JobRunner planned to workers
/// through a remote and brings their outputs back, so the rest of the job (cache, output
/// commit) is exactly the local executor's.
///
/// 1. Results already on the remote (`datums/KEY.json`: a rerun after a killed coordinator, a
///    requeued task, a colleague's job) are reused without dispatching.
/// 2. The input commits are pushed (objects only: no ref moves), the manifest is written.
/// 3. Each round submits one task per `datums_per_task` pending datums and waits for the
///    engine to finish them (Ctrl-C cancels the tasks). Datums with no record afterwards (a
///    killed node, a task that died) are dispatched again, up to `datum_tries` rounds; a datum
///    whose attempts all failed is final.
/// 4. The result packs are listed in `index.json` in one write and the outputs downloaded.
public struct ClusterDispatcher: DatumDispatcher {
    public var settings: ExecutorSettings
    public var remote: RemoteSettings
    public var engine: any ClusterEngine
    /// The dver executable on the nodes.
    public var dverPath: String
    public var environment: [String: String]
    public var pollSeconds: Double = 0.5
    /// Kubernetes without a reachable cluster: publish the datums and hand the Indexed Job's
    /// manifest to this closure instead of applying it; the job ends as `dispatched`.
    public var printManifest: (@Sendable (String) -> Void)?

    public init(settings: ExecutorSettings, remote: RemoteSettings, engine: any ClusterEngine, dverPath: String,
                environment: [String: String]) {
        self.settings = settings
        self.remote = remote
        self.engine = engine
        self.dverPath = dverPath
        self.environment = environment
    }

    public func run(_ datums: [Datum], indices: [Int], job: DispatchJob) throws -> [Int: DatumRunResult] {
        let project = job.project
        let remote = try Remote.open(self.remote, layout: project.layout, environment: environment)
        var outcomes = [Int: DatumOutcome]()
        for index in indices {
            if let outcome = try readOutcome(ClusterKeys.result(datums[index].key.hex), datum: datums[index], from: remote) {
                outcomes[index] = outcome
            }
        }
        var dispatches = [Int: Int]()
        let pending = indices.filter { outcomes[$0] == nil }
        if !pending.isEmpty {
            try dispatch(pending, datums: datums, job: job, remote: remote, outcomes: &outcomes, dispatches: &dispatches)
        }
        try fetchOutputs(of: outcomes.values.filter(\.succeeded), remote: remote, project: project)
        var results = [Int: DatumRunResult]()
        for index in indices {
            results[index] = try result(for: datums[index], outcome: outcomes[index], dispatches: dispatches[index], job: job, remote: remote)
        }
        return results
    }

    // MARK: Dispatch rounds

    private func dispatch(_ initial: [Int], datums: [Datum], job: DispatchJob, remote: Remote,
                          outcomes: inout [Int: DatumOutcome], dispatches: inout [Int: Int]) throws {
        let project = job.project
        // Settings the engine cannot do without are checked before anything is pushed.
        if settings.kind == .kubernetes { _ = try KubernetesManifest.workerImage(settings) }
        project.progress.notice("pushing the inputs of \(initial.count) datum\(initial.count == 1 ? "" : "s") to \(remote.name)")
        let targets = job.inputs.compactMap { input in
            input.commit.flatMap { ObjectID(hex: $0) }.map { PushTarget.commit(repo: input.repo, id: $0) }
        }
        _ = try PushOperation(project: project, remote: remote).run(targets)
        let manifest = ClusterManifest(job: job.jobID, pipeline: job.pipeline, runtime: job.runtime, imageIdentity: job.image.identity,
                                       imageReference: job.image.reference,
                                       datums: initial.map { .init(key: datums[$0].key.hex, inputs: datums[$0].inputs) },
                                       packs: try remote.readIndex().index.packs,
                                       inputCommits: Dictionary(job.inputs.compactMap { input in input.commit.map { (input.name, $0) } },
                                                                uniquingKeysWith: { first, _ in first }))
        try remote.transport.put(ClusterKeys.manifest(job.jobID), bytes: try Self.encode(manifest))
        var position = [Int: Int]()
        for (slot, index) in initial.enumerated() { position[index] = slot }

        var pending = initial
        let rounds = max(1, job.spec.datumTries)
        let perTask = max(1, settings.datumsPerTask ?? 1)
        if let printManifest {
            let tasks = stride(from: 0, to: pending.count, by: perTask).map { start in
                pending[start..<min(start + perTask, pending.count)].compactMap { position[$0] }
            }
            try remote.transport.put(ClusterKeys.round(job.jobID, 0), bytes: try Self.encode(ClusterRound(tasks: tasks)))
            let worker = WorkerCommand(dver: dverPath, remote: workerRemote, job: job.jobID, round: 0)
            let manifest = KubernetesManifest(settings: settings, image: job.spec.transform.image,
                                              name: KubernetesManifest.label("dver-\(job.spec.name)-\(job.jobID)"), completions: tasks.count,
                                              parallelism: settings.parallelism ?? job.spec.parallelism, workerArguments: Array(worker.arguments.dropFirst()))
            printManifest(try manifest.rendered())
            throw JobDispatched(message: "the Indexed Job for \(pending.count) datum\(pending.count == 1 ? "" : "s") was printed; apply it ('kubectl apply -f FILE') and, once it has finished, run 'dver pipeline run \(job.spec.name) --executor kubernetes' to collect the results")
        }
        for round in 0..<rounds where !pending.isEmpty {
            let tasks = stride(from: 0, to: pending.count, by: perTask).map { start in
                pending[start..<min(start + perTask, pending.count)].compactMap { position[$0] }
            }
            try remote.transport.put(ClusterKeys.round(job.jobID, round), bytes: try Self.encode(ClusterRound(tasks: tasks)))
            let worker = WorkerCommand(dver: dverPath, remote: workerRemote, job: job.jobID, round: round)
            let engineJob = try engine.submit(count: tasks.count, parallelism: settings.parallelism ?? job.spec.parallelism,
                                              worker: worker.arguments, label: "dver-\(job.spec.name)", image: job.spec.transform.image)
            project.progress.notice("round \(round + 1): \(pending.count) datum\(pending.count == 1 ? "" : "s") in \(tasks.count) task\(tasks.count == 1 ? "" : "s"), \(engine.name) job \(engineJob)")
            try wait(for: engineJob, job: job.jobID)
            var unpublished = [Int]()
            for index in pending {
                dispatches[index, default: 0] += 1
                let key = datums[index].key.hex
                if let outcome = try readOutcome(ClusterKeys.result(key), datum: datums[index], from: remote)
                    ?? readOutcome(ClusterKeys.failure(job.jobID, key), datum: datums[index], from: remote) {
                    outcomes[index] = outcome
                } else {
                    unpublished.append(index)
                }
            }
            pending = unpublished
        }
    }

    /// The remote as workers open it (no credentials: those come from their environment).
    private var workerRemote: RemoteWorkerArguments {
        RemoteWorkerArguments(url: remote.url, endpoint: remote.endpoint, region: remote.region, pathStyle: remote.pathStyle,
                              profile: remote.profile)
    }

    /// Polls the engine until no task is left; SIGINT or SIGTERM cancels the engine job.
    private func wait(for engineJob: String, job: String) throws {
        Interruption.arm()
        defer { Interruption.disarm() }
        while true {
            if Interruption.requested {
                try? engine.cancel(engineJob)
                throw ClusterError.cancelled(job: job, engineJob: engineJob)
            }
            if try engine.unfinished(engineJob).isEmpty { return }
            usleep(useconds_t(pollSeconds * 1_000_000))
        }
    }

    // MARK: Results

    private func readOutcome(_ key: String, datum: Datum, from remote: Remote) throws -> DatumOutcome? {
        guard let blob = try remote.transport.get(key, limit: 16 << 20) else { return nil }
        return try DatumOutcome.decode(blob.bytes, key: key, expectedKey: datum.key.hex)
    }

    /// Lists the workers' packs in `index.json` (one write) and downloads the result commits.
    private func fetchOutputs(of outcomes: [DatumOutcome], remote: Remote, project: Project) throws {
        guard !outcomes.isEmpty else { return }
        var seen = Set<String>()
        let packs = outcomes.flatMap(\.packs).filter { seen.insert($0.name).inserted }
        let objects = RemoteObjects(project: project, remote: remote)
        try objects.register(packs)
        let commits = outcomes.compactMap { $0.commit.flatMap { ObjectID(hex: $0) } }
        _ = try objects.download(roots: commits.map { ($0, .commit) }, packs: try remote.readIndex().index.packs)
    }

    private func result(for datum: Datum, outcome: DatumOutcome?, dispatches: Int?, job: DispatchJob, remote: Remote) throws -> DatumRunResult {
        var record = DatumRecord(id: datum.id, inputs: datum.inputs.map(\.label), state: .failed)
        record.dispatches = dispatches
        guard let outcome else {
            record.error = "no result after \(dispatches ?? 0) dispatches: the task ended without publishing one (its output is in .dver/jobs/\(engine.name)-*.out)"
            return DatumRunResult(record: record, files: nil)
        }
        record.attempts = outcome.attempts
        record.exitCode = outcome.exitCode
        record.timedOut = outcome.timedOut
        record.seconds = outcome.seconds
        record.node = outcome.node
        record.engineTask = outcome.engineTask
        record.error = outcome.error
        if outcome.job != job.jobID { record.reusedFrom = outcome.job }
        if let log = try remote.transport.get(ClusterKeys.log(outcome.job, outcome.key), limit: 8 << 20) {
            let path = job.jobs.logPath(job: job.jobID, datum: datum.id)
            try FileSystem.createDirectories(FileSystem.parentPath(path))
            try FileSystem.writeAtomically(path, log.bytes, durable: false)
        }
        if outcome.recovered == true { record.state = .recovered }
        guard outcome.succeeded, let hex = outcome.commit, let commit = ObjectID(hex: hex) else { return DatumRunResult(record: record, files: nil) }
        let tree = try job.project.store.decodeCommit(commit).tree
        let files = try TreeReader(store: job.project.store).files(tree).map { DatumResult.OutputFile(path: $0.path, ref: $0.ref) }
        record.state = .succeeded
        record.outputFiles = files.count
        record.outputBytes = files.reduce(0) { $0.addingSaturating($1.ref.size) }
        return DatumRunResult(record: record, files: files)
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }
}

/// SIGINT/SIGTERM while the coordinator waits for a cluster job: noted, so the wait loop
/// cancels the engine's tasks before the process ends.
/// The handlers it replaces (InterruptCleanup's, in the CLI) are put back afterwards.
enum Interruption {
    private static let flag = Atomic<Bool>(false)
    // Written and read only by the thread that arms and disarms (the coordinator's wait).
    nonisolated(unsafe) private static var previous: [Int32: __sighandler_t?] = [:]

    static var requested: Bool { flag.load(ordering: .relaxed) }

    static func arm() {
        flag.store(false, ordering: .relaxed)
        previous[SIGINT] = signal(SIGINT) { _ in Interruption.flag.store(true, ordering: .relaxed) }
        previous[SIGTERM] = signal(SIGTERM) { _ in Interruption.flag.store(true, ordering: .relaxed) }
        // A parent may have started dver with these signals blocked (the mask is inherited).
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    static func disarm() {
        signal(SIGINT, previous[SIGINT] ?? SIG_DFL)
        signal(SIGTERM, previous[SIGTERM] ?? SIG_DFL)
    }
}
