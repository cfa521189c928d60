import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// Runs pipeline jobs: resolves the input commits, plans datums (skipping those whose key has
/// a cached result), runs the rest through the runtime, and commits the merged outputs to the
/// output repo with provenance (docs/PIPELINES.md, "What a job does").
public struct JobRunner: Sendable {
    public let project: Project
    public let catalog: PipelineCatalog
    public let jobs: JobStore
    public let cache: DatumCache
    /// The git HEAD recorded in output commits (empty outside git), as `dver commit` records it.
    public var gitHead = ""
    /// Runs datums elsewhere than in this process: for specs (or `executorOverride`) naming a
    /// cluster executor. Without it only the local executor is available.
    public var dispatcherFactory: DispatcherFactory?
    /// Overrides the spec's executor for this runner's jobs (`pipeline run --executor`).
    public var executorOverride: ExecutorSettings.Kind?
    /// Where transforms' secrets come from (docs/PIPELINES.md, "Secrets").
    public var secretStore = SecretStore()
    /// Copies an output commit's files to a spec's `egress` URL and returns a note saying what
    /// it copied (DverPipeline cannot reach remotes itself). Without it, a spec with egress fails.
    public var egressHandler: (@Sendable (_ url: String, _ repo: String, _ commit: ObjectID) throws -> String)?

    public init(project: Project) {
        self.project = project
        let durable = project.writeSettings.durable
        catalog = PipelineCatalog(layout: project.layout, durable: durable)
        jobs = JobStore(layout: project.layout, durable: durable)
        // Cache entries need no fsync: they are written after the objects they name are sealed,
        // and a lost or torn entry only means the datum runs again.
        cache = DatumCache(directory: "\(catalog.directory)/datums", durable: false)
    }

    /// Runs one job of `pipeline`. With `datumPath`, runs only the datums whose inputs contain
    /// that path (even if cached) and commits nothing: a debugging run.
    /// A job that fails (a datum, the runtime, a duplicate output) is recorded and returned
    /// with state `.failed`; only problems before the job exists are thrown.
    /// - Throws: `PipelineError.inputRepoMissing`, lock timeouts.
    public func run(_ pipeline: StoredPipeline, trigger: String, datumPath: String? = nil) throws -> JobRecord {
        let lock = try pipelineLock(pipeline.spec.name)
        defer { lock.unlock() }
        // Outputs are sealed before the cache or a commit names them: keep gc out meanwhile.
        return try project.withObjectWriters { try runLocked(pipeline, trigger: trigger, datumPath: datumPath) }
    }

    private func runLocked(_ pipeline: StoredPipeline, trigger: String, datumPath: String?) throws -> JobRecord {
        let spec = pipeline.spec
        try project.store.reload()
        var record = JobRecord(id: JobStore.newID(), pipeline: spec.name, specHash: pipeline.specHash,
                               trigger: datumPath == nil ? trigger : "datum", started: Date().timeIntervalSince1970)
        record.processID = getpid()
        var roots = [String: ObjectID?]()
        for input in spec.pfsInputs where !roots.keys.contains(input.source) {
            guard (try? project.repo(named: input.repo)) != nil else { throw PipelineError.inputRepoMissing(pipeline: spec.name, repo: input.repo) }
            let head: ObjectID?
            if let commit = input.commit {
                // A pinned input reads that commit, whatever its branch does.
                head = try project.resolve(RevisionSpec(parsing: "\(input.repo)@\(commit)")).commit
            } else {
                head = try project.refs.read(repo: input.repo, branch: input.branch)
                if head == nil {
                    // No such branch: an error when the repo has others (a spec written for another
                    // default branch, e.g. Pachyderm's master), never an empty success.
                    let branches = try project.refs.branches(repo: input.repo)
                    if !branches.isEmpty {
                        throw PipelineError.inputBranchMissing(pipeline: spec.name, repo: input.repo, branch: input.branch, existing: branches)
                    }
                }
            }
            roots[input.source] = try head.map { try project.store.decodeCommit($0).tree }
            record.inputs.append(ResolvedInput(name: input.name, repo: input.repo, branch: input.branch, commit: head?.hex))
        }
        do {
            try execute(pipeline, datumPath: datumPath, roots: roots, record: &record)
        } catch let dispatched as JobDispatched {
            record.state = .dispatched
            record.notes.append(dispatched.message)
        } catch let error as PipelineError {
            // A debugging run that selects nothing is a usage problem, not a job.
            if case .noDatumMatches = error { throw error }
            record.state = .failed
            record.error = error.description
        } catch {
            record.state = .failed
            record.error = String(describing: error)
        }
        record.finished = Date().timeIntervalSince1970
        try jobs.save(record)
        return record
    }

    private func execute(_ pipeline: StoredPipeline, datumPath: String?, roots: [String: ObjectID?], record: inout JobRecord) throws {
        let spec = pipeline.spec
        let jobStart = DispatchTime.now().uptimeNanoseconds
        guard (try? project.repo(named: spec.name)) != nil else {
            throw PipelineError.runtimeFailed(runtime: "output", message: "the output repo '\(spec.name)' does not exist (deleted?)",
                                              hint: "recreate it with 'dver pipeline update FILE' or 'dver repo create \(spec.name)'")
        }
        let (runtime, image) = try RuntimeSelector.runtime(for: spec.runtime, projectRoot: project.root, transform: spec.transform,
                                                           cacheDirectory: catalog.directory)
        record.runtime = runtime.name
        record.notes = spec.notes + runtime.limitations(spec)
        try secretStore.check(spec.transform.secrets)
        let plan = try JobPlanner(store: project.store, cache: cache)
            .plan(spec, roots: roots, imageIdentity: image.identity, datumPath: datumPath)
        record.planSeconds = plan.seconds
        record.datums = plan.records
        try jobs.save(record)

        // Checkpointable: finished datums are sealed and cached while the job runs (DatumCheckpoints).
        let writer = ObjectWriter(store: project.store, settings: project.writeSettings, checkpointable: true)
        let deadline = spec.jobTimeout.map { jobStart + UInt64(min($0, 1e9) * 1e9) }
        let inputCommits = Dictionary(record.inputs.compactMap { input in input.commit.map { (input.name, $0) } }, uniquingKeysWith: { first, _ in first })
        let executor = DatumExecutor(project: project, runtime: runtime, image: image, spec: spec, jobID: record.id,
                                     jobs: jobs, writer: writer, inputCommits: inputCommits, deadline: deadline,
                                     secretStore: secretStore)
        var ran: [Int: DatumRunResult]
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }
        var settings = spec.executor ?? ExecutorSettings(kind: .local)
        if let executorOverride { settings.kind = executorOverride }
        record.executor = settings.kind.rawValue
        let runsHere = settings.kind == .local || plan.toRun.isEmpty
        let checkpoints = runsHere && !plan.toRun.isEmpty
            ? DatumCheckpoints(writer: writer, cache: cache, datums: plan.datums, jobID: record.id) : nil
        let interruption = interruptAction(planned: record, checkpoints: checkpoints)
        defer { InterruptCleanup.removeAction(interruption) }
        var cachedAlready = Set<Int>()
        do {
            if runsHere {
                ran = try executor.run(plan.datums, indices: plan.toRun, onFinished: { checkpoints?.finished($0, $1) })
            } else {
                guard let dispatcherFactory else {
                    throw PipelineError.runtimeFailed(runtime: settings.kind.rawValue, message: "this dver cannot dispatch to \(settings.kind.rawValue)",
                                                      hint: "run the job with 'dver pipeline run \(spec.name)'")
                }
                let job = DispatchJob(project: project, pipeline: pipeline, jobID: record.id, inputs: record.inputs,
                                      runtime: runtime.name, image: image, jobs: jobs)
                try jobs.save(record)
                ran = try dispatcherFactory(settings).run(plan.datums, indices: plan.toRun, job: job)
            }
            cachedAlready = checkpoints?.stop() ?? []
            _ = try writer.finish()
        } catch {
            checkpoints?.stop()
            writer.abandon()
            throw error
        }
        record.runSeconds = lap()
        defer { record.commitSeconds = lap() }
        var results = plan.cached
        for (index, result) in ran {
            record.datums[index] = result.record
            if let files = result.files {
                let value = DatumResult(files: files, job: record.id, seconds: result.record.seconds)
                if !cachedAlready.contains(index) { try cache.store(value, for: plan.datums[index].key) }
                results[index] = value
            }
        }
        let failed = record.datums.filter { $0.state == .failed }
        if let first = failed.first {
            record.state = .failed
            record.error = "\(failed.count) of \(record.datums.count) datum\(record.datums.count == 1 ? "" : "s") failed; first: \(first.inputs.joined(separator: ", ")): \(first.error ?? "failed")"
            return
        }
        if datumPath == nil {
            let (commit, isNew) = try commitOutputs(spec, plan: plan, results: results, record: record, notes: &record.notes)
            if isNew { record.outputCommit = commit.hex }
            if let egress = spec.egress {
                // Pachyderm's egress: the output commit's files copied out after the job.
                guard let egressHandler else {
                    record.state = .failed
                    record.error = "egress to \(egress): this program cannot copy outputs out (run the job with the dver command)"
                    return
                }
                do {
                    record.notes.append(try egressHandler(egress, spec.name, commit))
                } catch {
                    record.state = .failed
                    record.error = "egress to \(egress) failed: \(error)"
                    return
                }
            }
        }
        record.state = .succeeded
    }

    /// Moves `branch` of `repo` to `commit` (compare-and-swap from `expected`), writing the new
    /// commit into the repo's workspace when that has the branch checked out with no local
    /// changes: checks the commit out detached, moves the branch, then re-attaches (so the
    /// index never sees the branch move under it). Otherwise a note says why not.
    func moveBranch(repo name: String, branch: String, to commit: ObjectID, expected: ObjectID?, notes: inout [String]) throws {
        var updated = false
        if let repo = try? project.repo(named: name), repo.branch == branch {
            do {
                _ = try project.checkout(RevisionSpec(parsing: "\(name)@\(commit.hex)"), force: false)
                updated = true
            } catch {
                let reason = String(describing: error).split(separator: "\n").first ?? ""
                notes.append("workspace \(repo.mount)/ not updated (\(reason)); run 'dver checkout \(name)@\(branch)'")
            }
        } else {
            notes.append("workspace of \(name) not updated: another branch or commit is checked out there")
        }
        try project.refs.update(repo: name, branch: branch, to: commit, expected: expected)
        if updated { _ = try project.checkout(RevisionSpec(parsing: "\(name)@\(branch)"), force: false) }
    }

    /// Merges every datum's outputs and commits them to the output repo's branch — unless the
    /// branch's head has that tree already and was made from the same input commits: then
    /// nothing is committed (a note says so) and the head is returned with `isNew` false.
    /// - Throws: `PipelineError.duplicateOutput` naming both datums.
    func commitOutputs(_ spec: PipelineSpec, plan: JobPlan, results: [Int: DatumResult], record: JobRecord,
                       notes: inout [String]) throws -> (commit: ObjectID, isNew: Bool) {
        var owners = [String: Int]()
        var files = [TreeBuilder.File]()
        for index in plan.datums.indices {
            for file in results[index]?.files ?? [] {
                if let other = owners[file.path] {
                    throw PipelineError.duplicateOutput(path: file.path, firstDatum: plan.datums[other].label,
                                                        secondDatum: plan.datums[index].label)
                }
                owners[file.path] = index
                files.append(TreeBuilder.File(path: file.path, ref: file.ref))
            }
        }
        let writer = project.makeWriter()
        do {
            let tree = try TreeBuilder.build(files, writer: writer)
            let parent = try project.refs.read(repo: spec.name, branch: spec.outputBranch)
            var provenance = ["pipeline": spec.name, "spec": record.specHash, "job": record.id]
            for input in record.inputs {
                provenance[OutputProvenance.inputKey(repo: input.repo, branch: input.branch)] = OutputProvenance.inputValue(repo: input.repo, commit: input.commit)
            }
            if let parent, try Self.sameOutput(parent: project.store.decodeCommit(parent), tree: tree, provenance: provenance) {
                _ = try writer.finish()
                notes.append("\(JobRecord.outputUnchangedNote): \(spec.name)@\(spec.outputBranch) stays at \(parent.shortHex()) (same inputs, same outputs)")
                return (parent, false)
            }
            let now = Date()
            let commit = Commit(repo: spec.name, tree: tree, parents: parent.map { [$0] } ?? [],
                                time: Int64((now.timeIntervalSince1970 * 1e9).rounded()),
                                timeZoneOffsetMinutes: Int16(TimeZone.current.secondsFromGMT(for: now) / 60),
                                author: "dver pipeline \(spec.name)", message: "\(spec.name): job \(record.id) (\(record.summary))",
                                commitSet: nil, gitHead: gitHead, provenance: provenance)
            let id = try writer.put(encoded: commit.encoded(), kind: .commit)
            _ = try writer.finish()
            try moveBranch(repo: spec.name, branch: spec.outputBranch, to: id, expected: parent, notes: &notes)
            return (id, true)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Whether `parent` holds `tree` and was made from the inputs `provenance` names (the spec
    /// and job may differ: a new job over the same data that changes nothing commits nothing).
    static func sameOutput(parent: Commit, tree: ObjectID, provenance: [String: String]) -> Bool {
        func inputs(_ entries: [String: String]) -> [String: String] { entries.filter { $0.key.hasPrefix("input.") } }
        return parent.tree == tree && inputs(parent.provenance) == inputs(provenance)
    }

    private func pipelineLock(_ name: String) throws -> FileLock {
        let progress = project.progress
        do {
            return try FileLock(path: "\(project.layout.locksDirectory)/pipeline-\(name).lock", timeout: project.refs.lockTimeout) {
                progress.notice("waiting for another job of pipeline \(name) to finish...")
            }
        } catch FileLock.Failure.timedOut(let path, let seconds) {
            throw StoreError.lockTimeout(path: path, seconds: seconds)
        }
    }

    // MARK: Triggers

    /// Runs, in DAG order, every pipeline downstream of these repo branches. A pipeline whose
    /// upstream job failed is not run (its input did not change).
    /// - Throws: only problems that prevent jobs from being recorded at all.
    public func runDownstream(of changed: [(repo: String, branch: String)], trigger: String = "commit",
                              onJob: (JobRecord) -> Void = { _ in }) throws -> [JobRecord] {
        guard !catalog.isEmpty else { return [] }
        let pipelines = try catalog.all()
        let byName = Dictionary(pipelines.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        var changedNow = changed
        var records = [JobRecord]()
        for spec in PipelineCatalog.topologicalOrder(pipelines.map(\.spec)) {
            guard spec.pfsInputs.contains(where: { input in
                input.commit == nil && changedNow.contains { $0.repo == input.repo && $0.branch == input.branch }
            }),
                  let stored = byName[spec.name] else { continue }
            let record = try run(stored, trigger: trigger)
            records.append(record)
            onJob(record)
            if record.outputCommit != nil { changedNow.append((spec.name, spec.outputBranch)) }
        }
        return records
    }
}
